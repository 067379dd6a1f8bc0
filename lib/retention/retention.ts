import { pool, withTransaction } from "@/lib/db/pool";
import { inAppendTransaction } from "@/lib/events/ingest";
import { appendOwnEvents } from "@/lib/audit/record";
import { forgetKnownPartitions } from "@/lib/events/partitions";
import { SYSTEM_ACTOR } from "@/lib/audit/actor";
import { forEachOrg, orgsToProcess } from "@/lib/jobs/state";
import type { JobContext, JobSummary } from "@/lib/jobs/runner";
import { criticalSql, retentionPolicy } from "@/lib/retention/policy";
import { activeHolds, notHeldSql } from "@/lib/retention/legal-holds";
import { archiveThrough, archivedThrough, verifyStoredSegment, type OnSegmentRecorded, type Segment } from "@/lib/retention/segments";
import { locationInStore } from "@/lib/storage/archive-store";
import { keepLeavesBeforeDelete } from "@/lib/integrity/tree";

/**
 * The retention job. For each org: find the events past retention (hot or critical) that
 * no legal hold covers; make sure archive segments hold them (written, read back and
 * verified); verify those segments again from the store; then delete in bounded batches
 * under `vigil.retention = 'on'`, each batch with its receipt event in the same
 * transaction. Every step is safe to repeat, so a run killed anywhere loses nothing and
 * the next one finishes the work. Whole month partitions whose every row is archived and
 * expired are detached and dropped instead (a global run only: partitions hold every org).
 */

const DELETE_BATCH = 5000;
const DAY = 86_400_000;

export interface RetentionHooks {
  /** Runs after the archive is written and before anything is deleted (tests kill the run here). */
  afterArchive?: (orgId: string) => Promise<void>;
}

let hooks: RetentionHooks = {};
export function setRetentionHooks(h: RetentionHooks): void {
  hooks = h;
}

export interface OrgRetentionResult {
  org_id: string;
  held: boolean;
  archived_segments: number;
  archived_events: number;
  deleted: number;
}

/**
 * A segment's receipt, appended in the transaction that records the segment (a run killed
 * in between leaves neither). Partitions for today must exist: see segmentsWithReceipts.
 */
function archiveReceipt(orgId: string, reason: "retention" | "backup"): OnSegmentRecorded {
  return async (client, s) => {
    await appendOwnEvents(client, orgId, [{
      action: reason === "retention" ? "RETENTION_ARCHIVED" : "BACKUP_WRITTEN",
      category: "settings",
      actor: SYSTEM_ACTOR,
      targets: [{ type: "archive_segment", id: s.id }],
      metadata: {
        segment_id: s.id, kind: s.kind, from_seq: s.from_seq, to_seq: s.to_seq, count: s.count, first_hash: s.first_hash,
        last_hash: s.last_hash, sha256: s.sha256, location: locationInStore(s.location),
      },
    }], "system");
  };
}

async function segmentsWithReceipts(orgId: string, throughSeq: number, reason: "retention" | "backup") {
  return archiveThrough(orgId, throughSeq, reason === "retention" ? "archive" : "backup", archiveReceipt(orgId, reason));
}

export async function applyRetention(orgId: string, now = new Date()): Promise<OrgRetentionResult> {
  const result: OrgRetentionResult = { org_id: orgId, held: false, archived_segments: 0, archived_events: 0, deleted: 0 };
  const policy = await retentionPolicy(orgId);
  const holds = await activeHolds(orgId);
  const hotCutoff = new Date(now.getTime() - policy.hot_days * DAY);
  const criticalCutoff = new Date(now.getTime() - policy.critical_days * DAY);

  const params: unknown[] = [orgId, hotCutoff, criticalCutoff];
  const notHeld = notHeldSql(orgId, holds, params);
  if (notHeld === null) {
    result.held = true;
    return result;
  }
  const critical = criticalSql(policy, params);
  // occurred_at < hotCutoff first: it bounds the scan to the old partitions.
  const expired = `org_id = $1 and occurred_at < $2 and (not ${critical} or occurred_at < $3) and ${notHeld}`;

  const range = await pool().query<{ min: number | null; max: number | null }>(`select min(seq) as min, max(seq) as max from audit_events where ${expired}`, params);
  const maxSeq = range.rows[0]?.max;
  const minSeq = range.rows[0]?.min;
  if (maxSeq === null || maxSeq === undefined || minSeq === null || minSeq === undefined) return result;

  // 1. Nothing leaves the database before a verified segment holds it.
  const written = await segmentsWithReceipts(orgId, Number(maxSeq), "retention");
  result.archived_segments = written.length;
  result.archived_events = written.reduce((n, s) => n + s.count, 0);
  await hooks.afterArchive?.(orgId);

  // 2. Read every segment holding rows about to go back from the store and verify it again.
  const through = await archivedThrough(orgId);
  if (through.seq < Number(maxSeq)) throw new Error(`seq ${maxSeq} is not archived; nothing was deleted`);
  const { rows: covering } = await pool().query<Segment>(
    "select location, sha256, from_seq::float8 as from_seq, to_seq::float8 as to_seq, count, first_hash, last_hash from archive_segments where org_id = $1 and to_seq >= $2 and from_seq <= $3",
    [orgId, minSeq, maxSeq],
  );
  for (const s of covering) await verifyStoredSegment(s);

  // 3. Delete in bounded batches, each with its receipt, in one transaction per batch.
  params.push(Number(maxSeq));
  const bound = `$${params.length}`;
  // The Merkle tree keeps what proofs of the events that stay will need (lib/integrity/tree.ts).
  await withTransaction((client) => keepLeavesBeforeDelete(client, orgId, `select seq, hash from audit_events where ${expired} and seq <= ${bound}`, params));
  for (;;) {
    const batch = await inAppendTransaction([], async (client) => {
      await client.query("set local vigil.retention = 'on'");
      const { rows } = await client.query<{ n: number; min: number | null; max: number | null; oldest: Date | null; newest: Date | null }>(
        `with gone as (
           delete from audit_events where (org_id, occurred_at, id) in (
             select org_id, occurred_at, id from audit_events where ${expired} and seq <= ${bound} order by seq limit ${DELETE_BATCH}
           ) returning seq, occurred_at
         ) select count(*)::int as n, min(seq) as min, max(seq) as max, min(occurred_at) as oldest, max(occurred_at) as newest from gone`,
        params,
      );
      const r = rows[0]!;
      if (r.n > 0) {
        await appendOwnEvents(client, orgId, [{
          action: "RETENTION_EVENTS_DELETED",
          category: "settings",
          actor: SYSTEM_ACTOR,
          reason: `past retention: ${policy.hot_days} days, critical ${policy.critical_days} days`,
          metadata: {
            count: r.n, min_seq: Number(r.min), max_seq: Number(r.max), oldest: r.oldest?.toISOString(), newest: r.newest?.toISOString(),
            hot_cutoff: hotCutoff.toISOString(), critical_cutoff: criticalCutoff.toISOString(), archived_through_seq: through.seq,
            archived_through_hash: through.hash, legal_holds: holds.length,
          },
        }], "system");
      }
      return r.n;
    });
    result.deleted += batch;
    if (batch < DELETE_BATCH) break;
  }
  return result;
}

/** Month partitions wholly older than the shortest retention, whose every row may go. */
export async function dropExpiredPartitions(now = new Date()): Promise<Array<{ partition: string; rows: number }>> {
  const { rows: parts } = await pool().query<{ name: string; upper: Date }>(
    `select c.relname as name, to_timestamp(substring(pg_get_expr(c.relpartbound, c.oid) from 'TO \\(''([^'']+)''\\)'), 'YYYY-MM-DD HH24:MI:SS') as upper
     from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_events'::regclass`,
  );
  const dropped: Array<{ partition: string; rows: number }> = [];
  const oldest = new Date(now.getTime() - 90 * DAY);
  for (const p of parts.filter((x) => x.upper && x.upper < oldest && /^audit_events_\d{4}_\d{2}$/.test(x.name)).sort((a, b) => +a.upper - +b.upper)) {
    const done = await withTransaction(async (client) => {
      // Lock out inserts into the partition while deciding, then decide on what it holds.
      await client.query(`lock table ${p.name} in share row exclusive mode`);
      const blocking = await client.query(
        `select 1 from ${p.name} e
         left join retention_policies rp on rp.org_id = e.org_id
         where not (
           e.seq <= coalesce((select max(s.to_seq) from archive_segments s where s.org_id = e.org_id), 0)
           and not exists (select 1 from legal_holds h where h.org_id = e.org_id and h.released_at is null)
           and e.occurred_at < $1::timestamptz - make_interval(days => case when
             exists (select 1 from unnest(coalesce(rp.critical_include, '{}')) x where e.action like replace(replace(x, '_', '\\_'), '*', '%'))
             or (((e.category = 'authentication' and e.status = 'failed') or (e.category in ('settings', 'export', 'integration') and e.action <> 'API_CALL') or e.action like '%\\_DELETED')
                 and not exists (select 1 from unnest(coalesce(rp.critical_exclude, '{}')) x where e.action like replace(replace(x, '_', '\\_'), '*', '%')))
             then coalesce(rp.critical_days, 365) else coalesce(rp.hot_days, 90) end)
         ) limit 1`,
        [now],
      );
      if (blocking.rows.length > 0) return null;
      const perOrg = await client.query<{ org_id: string; n: number; min: number; max: number }>(
        `select org_id, count(*)::int as n, min(seq) as min, max(seq) as max from ${p.name} group by org_id`,
      );
      // An empty month costs nothing; leave it for back-dated imports rather than churn DDL.
      if (perOrg.rows.length === 0) return null;
      for (const r of perOrg.rows) await keepLeavesBeforeDelete(client, r.org_id, `select seq, hash from ${p.name} where org_id = $1`, [r.org_id]);
      await client.query(`alter table audit_events detach partition ${p.name}`);
      await client.query(`drop table ${p.name}`);
      return perOrg.rows;
    });
    if (!done) continue;
    forgetKnownPartitions();
    dropped.push({ partition: p.name, rows: done.reduce((n, r) => n + r.n, 0) });
    for (const r of done) {
      const through = await archivedThrough(r.org_id);
      await inAppendTransaction([], (client) => appendOwnEvents(client, r.org_id, [{
        action: "RETENTION_EVENTS_DELETED", category: "settings", actor: SYSTEM_ACTOR, reason: `partition ${p.name} past retention, dropped whole`,
        metadata: { count: r.n, min_seq: Number(r.min), max_seq: Number(r.max), partition: p.name, archived_through_seq: through.seq, archived_through_hash: through.hash },
      }], "system"));
    }
  }
  return dropped;
}

export async function retentionJob(ctx: JobContext): Promise<JobSummary> {
  const orgs = await orgsToProcess(ctx.orgIds);
  const { results, failed } = await forEachOrg("retention", orgs, (orgId) => applyRetention(orgId));
  const partitions = ctx.orgIds ? [] : await dropExpiredPartitions();
  return {
    failures: failed,
    orgs: results.length,
    held: results.filter((r) => r.held).length,
    archived_segments: results.reduce((n, r) => n + r.archived_segments, 0),
    archived_events: results.reduce((n, r) => n + r.archived_events, 0),
    deleted: results.reduce((n, r) => n + r.deleted, 0),
    dropped_partitions: partitions,
  };
}

export async function backupJob(ctx: JobContext): Promise<JobSummary> {
  const orgs = await orgsToProcess(ctx.orgIds);
  let segments = 0;
  let events = 0;
  const { failed } = await forEachOrg("backup", orgs, async (orgId) => {
    const head = await pool().query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
    const headSeq = Number(head.rows[0]?.seq ?? 0);
    if (headSeq === 0) return;
    const written = await segmentsWithReceipts(orgId, headSeq, "backup");
    segments += written.length;
    events += written.reduce((n, s) => n + s.count, 0);
  });
  return { failures: failed, orgs: orgs.length, segments, events };
}
