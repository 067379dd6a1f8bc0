import type pg from "pg";
import { pool } from "@/lib/db/pool";
import { CATEGORIES, type Category } from "@/lib/events/catalog";
import { VigilError } from "@/lib/errors";
import { alertsRaisedIn, type AlertSummary } from "@/lib/alerts/store";
import { actorKey, blockedAmong } from "@/lib/auth/blocklist";
import { periodKey, type ReportPeriod } from "@/lib/reports/period";
import { BUCKETS_SQL, bucketParams, readSnapshot, refreshRollups, unrolledEvents } from "@/lib/reports/rollups";
import { daysOf } from "@/lib/reports/format";
import { verifierKey } from "@/lib/integrity/checkpoints";

/**
 * The security report of an org for a period: failed logins, data exports, settings
 * changes and their review, alerts, and the chain head it was computed against. Whole
 * figures (totals, by day) come from the rollups; the small sets behind them (top IPs,
 * exporters, each settings change) from the raw events through their indexes. Everything
 * is read in one snapshot, so the figures add up to each other.
 *
 * Definitions (docs/reports.md): a failed login is an event with action LOGIN_FAILED; a
 * data export is an event of category "export" other than REPORT_DOWNLOADED; a settings
 * change is an event of category "settings" (SETTINGS_CHANGED, PERMISSIONS_CHANGED, …).
 * All statuses count: a failed or pending attempt is still an attempt.
 */

/** Rollups are refreshed before a report when more events than this wait outside them. */
export const REFRESH_BEFORE_REPORT = 20_000;
const TOP = 10;
/** Settings changes listed one by one; the counts cover them all. */
export const SETTINGS_LISTED = 200;

export interface ReportAuthor {
  type: "api_key" | "user" | "system";
  id: string;
  name: string;
}

export interface SecurityReport {
  report: "security";
  org: { id: string; slug: string; name: string; timezone: string };
  period: { key: string; preset: ReportPeriod["preset"]; from: string; to: string; days: string[] };
  generated_at: string;
  generated_by: ReportAuthor;
  activity: { total: number; by_category: Record<Category, number>; by_day: Array<{ day: string; total: number }> };
  failed_logins: {
    total: number;
    by_day: Array<{ day: string; count: number }>;
    distinct_ips: number;
    distinct_accounts: number;
    without_ip: number;
    top_ips: Array<{ ip: string; count: number; accounts: number; last_seen: string; blocked: boolean }>;
    top_accounts: Array<{ account: string; count: number; ips: number; last_seen: string; blocked: boolean }>;
  };
  exports: {
    count: number;
    records: { total: number; average: number | null; max: number | null; counted: number };
    by_exporter: Exporter[];
    by_role: Array<{ role: string; exporters: number; count: number; records_total: number; records_average: number | null }>;
    unauthorized: number;
  };
  settings_changes: {
    count: number;
    administrators: number;
    by_administrator: Array<{ actor: string; name: string | null; count: number }>;
    review: ReviewStatus;
    changes: SettingsChange[];
    listed: number;
  };
  alerts: AlertSummary;
  chain: {
    head: { seq: number; hash: string };
    checkpoint: ReportCheckpoint | null;
    /** The verification of what was new since the verified head, when the caller ran one (PDF downloads). */
    verification: ChainCheck | null;
  };
}

export interface ChainCheck {
  ok: boolean;
  /** Events re-verified, from the last verified head to the head. */
  checked: number;
  first_bad_seq: number | null;
  checked_at: string;
  /** When the verify job last re-verified the whole chain from the genesis, if it has. */
  full_verified_at: string | null;
}

export interface Exporter {
  actor: string;
  name: string | null;
  actor_type: string | null;
  /** The role's key (manager, …), "api_key" for an API key, null when not a member. */
  role: string | null;
  role_name: string;
  count: number;
  records_total: number;
  records_average: number | null;
  records_max: number | null;
  /** The exporter's role holds events:export (an API key: the events:read scope). */
  authorized: boolean;
}

export interface ReviewStatus {
  state: "none" | "all_compliant" | "non_compliant" | "pending";
  label: string;
  reviewed: number;
  compliant: number;
  non_compliant: number;
  unreviewed: number;
}

export interface SettingsChange {
  id: string;
  seq: number;
  occurred_at: string;
  action: string;
  status: string;
  actor: string | null;
  summary: string;
  review: { compliant: boolean; note: string | null; reviewer: string | null; reviewed_at: string } | null;
}

type Kind = "failed_login" | "export" | "settings" | "other";

/** The whole report; reads only, apart from refreshing the org's rollups when far behind. */
export async function securityReport(
  orgId: string,
  period: ReportPeriod,
  opts: { generatedBy: ReportAuthor; now?: Date; verification?: ChainCheck },
): Promise<SecurityReport> {
  const org = await pool().query<{ id: string; slug: string; name: string; timezone: string }>(
    "select id, slug, name, timezone from organizations where id = $1", [orgId],
  );
  if (!org.rows[0]) throw new VigilError("not_found", "organization not found");
  const { timezone } = org.rows[0];
  if ((await unrolledEvents(pool(), orgId)) > REFRESH_BEFORE_REPORT) await refreshRollups(orgId);

  const days = daysOf(period.from, period.to, timezone);
  const generatedAt = opts.now ?? new Date();
  return readSnapshot(async (db) => {
    const figures = await wholeFigures(db, orgId, period, timezone, days);
    const failed = await failedLoginDetail(db, orgId, period);
    const exporters = await exportersOf(db, orgId, period);
    const settings = await settingsChanges(db, orgId, period);
    const alerts = await alertsRaisedIn(db, orgId, period.from, period.to);
    const blocked = await blockedAmong(orgId, { ips: failed.topIps.map((r) => r.ip), actors: failed.topAccounts.map((r) => r.account) }, db, generatedAt);
    const chain = { ...(await chainState(db, orgId)), verification: opts.verification ?? null };

    const byRole = new Map<string, { role: string; exporters: number; count: number; records_total: number; records_events: number }>();
    for (const e of exporters) {
      const entry = byRole.get(e.role_name) ?? { role: e.role_name, exporters: 0, count: 0, records_total: 0, records_events: 0 };
      entry.exporters++;
      entry.count += e.count;
      entry.records_total += e.records_total;
      entry.records_events += e.records_events;
      byRole.set(e.role_name, entry);
    }

    return {
      report: "security",
      org: org.rows[0]!,
      period: { key: periodKey(period), preset: period.preset, from: period.from.toISOString(), to: period.to.toISOString(), days },
      generated_at: generatedAt.toISOString(),
      generated_by: opts.generatedBy,
      activity: figures.activity,
      failed_logins: {
        total: figures.failedLogins.total,
        by_day: figures.failedLogins.byDay,
        distinct_ips: failed.distinctIps,
        distinct_accounts: failed.distinctAccounts,
        without_ip: failed.withoutIp,
        top_ips: failed.topIps.map((r) => ({ ...r, blocked: blocked.ips.has(r.ip) })),
        top_accounts: failed.topAccounts.map((r) => ({ ...r, blocked: blocked.actors.has(actorKey(r.account)) })),
      },
      exports: {
        count: figures.exports.count,
        records: {
          total: figures.exports.recordsSum,
          average: average(figures.exports.recordsSum, figures.exports.recordsEvents),
          max: figures.exports.recordsMax,
          counted: figures.exports.recordsEvents,
        },
        by_exporter: exporters.map(withoutRecordsEvents),
        by_role: [...byRole.values()]
          .sort((a, b) => b.count - a.count || a.role.localeCompare(b.role))
          .map(({ records_events, ...r }) => ({ ...r, records_average: average(r.records_total, records_events) })),
        unauthorized: exporters.filter((e) => !e.authorized).reduce((n, e) => n + e.count, 0),
      },
      settings_changes: { ...settings, count: figures.settings },
      alerts,
      chain,
    };
  });
}

function withoutRecordsEvents(e: Exporter & { records_events: number }): Exporter {
  const { records_events: counted, ...exporter } = e;
  void counted;
  return exporter;
}

function average(sum: number, n: number): number | null {
  return n > 0 ? Math.round((sum / n) * 100) / 100 : null;
}

/** Totals and by-day figures, from the rollups (plus the raw ends of the period). */
async function wholeFigures(db: pg.PoolClient, orgId: string, period: ReportPeriod, timezone: string, days: string[]) {
  const { rows } = await db.query<{ day: string; category: string; kind: Kind; events: number; records_events: number; records_sum: number; records_max: number | null }>(
    `select to_char(hour at time zone $7, 'YYYY-MM-DD') as day, category,
       case when action = 'LOGIN_FAILED' then 'failed_login'
            when category = 'export' and action <> 'REPORT_DOWNLOADED' then 'export'
            when category = 'settings' then 'settings' else 'other' end as kind,
       sum(events)::bigint as events, sum(records_events)::bigint as records_events,
       sum(records_sum)::bigint as records_sum, max(records_max)::bigint as records_max
     from ${BUCKETS_SQL} b group by 1, 2, 3`,
    [...(await bucketParams(db, orgId, period.from, period.to)), timezone],
  );
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const activityByDay = new Map(days.map((d) => [d, 0]));
  const failedByDay = new Map(days.map((d) => [d, 0]));
  let total = 0;
  let failedTotal = 0;
  const exportsFigures = { count: 0, recordsEvents: 0, recordsSum: 0, recordsMax: null as number | null };
  let settings = 0;
  for (const r of rows) {
    const n = Number(r.events);
    total += n;
    if (r.category in byCategory) byCategory[r.category as Category] += n;
    activityByDay.set(r.day, (activityByDay.get(r.day) ?? 0) + n);
    if (r.kind === "failed_login") {
      failedTotal += n;
      failedByDay.set(r.day, (failedByDay.get(r.day) ?? 0) + n);
    } else if (r.kind === "export") {
      exportsFigures.count += n;
      exportsFigures.recordsEvents += Number(r.records_events);
      exportsFigures.recordsSum += Number(r.records_sum);
      if (r.records_max !== null) exportsFigures.recordsMax = Math.max(exportsFigures.recordsMax ?? 0, Number(r.records_max));
    } else if (r.kind === "settings") {
      settings += n;
    }
  }
  return {
    activity: { total, by_category: byCategory, by_day: [...activityByDay].map(([day, t]) => ({ day, total: t })).sort((a, b) => a.day.localeCompare(b.day)) },
    failedLogins: { total: failedTotal, byDay: [...failedByDay].map(([day, count]) => ({ day, count })).sort((a, b) => a.day.localeCompare(b.day)) },
    exports: exportsFigures,
    settings,
  };
}

/** Top source IPs and targeted accounts of LOGIN_FAILED, through (org, action, occurred_at). */
async function failedLoginDetail(db: pg.PoolClient, orgId: string, period: ReportPeriod) {
  const range = "org_id = $1 and action = 'LOGIN_FAILED' and occurred_at >= $2 and occurred_at < $3";
  const params = [orgId, period.from, period.to];
  const ips = await db.query<{ ip: string; count: number; accounts: number; last_seen: Date }>(
    `select host(ip) as ip, count(*)::bigint as count, count(distinct coalesce(actor_email, actor_id))::bigint as accounts, max(occurred_at) as last_seen
     from audit_events where ${range} and ip is not null group by ip order by count(*) desc, ip limit ${TOP}`,
    params,
  );
  const accounts = await db.query<{ account: string; count: number; ips: number; last_seen: Date }>(
    `select coalesce(actor_email, actor_id) as account, count(*)::bigint as count, count(distinct ip)::bigint as ips, max(occurred_at) as last_seen
     from audit_events where ${range} and coalesce(actor_email, actor_id) is not null
     group by 1 order by count(*) desc, 1 limit ${TOP}`,
    params,
  );
  const distinct = await db.query<{ ips: number; accounts: number; without_ip: number }>(
    `select count(distinct ip)::bigint as ips, count(distinct coalesce(actor_email, actor_id))::bigint as accounts,
       count(*) filter (where ip is null)::bigint as without_ip
     from audit_events where ${range}`,
    params,
  );
  return {
    topIps: ips.rows.map((r) => ({ ip: r.ip, count: Number(r.count), accounts: Number(r.accounts), last_seen: r.last_seen.toISOString() })),
    topAccounts: accounts.rows.map((r) => ({ account: r.account, count: Number(r.count), ips: Number(r.ips), last_seen: r.last_seen.toISOString() })),
    distinctIps: Number(distinct.rows[0]?.ips ?? 0),
    distinctAccounts: Number(distinct.rows[0]?.accounts ?? 0),
    withoutIp: Number(distinct.rows[0]?.without_ip ?? 0),
  };
}

/** Scans of one category through (org, category, status, occurred_at): one range per status. */
const CATEGORY_RANGE = "org_id = $1 and category = $4 and status = any('{success,failed,pending}') and occurred_at >= $2 and occurred_at < $3";

/**
 * Who exported, with their role now (membership by the actor's email) and whether that
 * role may export. An API key is looked up by its id: its scope events:read is what the
 * export route requires.
 */
async function exportersOf(db: pg.PoolClient, orgId: string, period: ReportPeriod): Promise<Array<Exporter & { records_events: number }>> {
  const { rows } = await db.query<{
    actor: string; email: string | null; actor_id: string | null; actor_type: string | null; name: string | null; count: string;
    records_events: string; records_sum: string | null; records_max: string | null;
    role_key: string | null; role_name: string | null; permissions: string[] | null; user_name: string | null;
    key_name: string | null; key_scopes: string[] | null;
  }>(
    `with g as (
       select coalesce(actor_email, actor_id, '(unknown)') as actor, max(actor_email) as email, max(actor_id) as actor_id,
         max(actor_type) as actor_type, max(actor_name) as name, count(*)::bigint as count,
         count(vigil_records(metadata))::bigint as records_events, sum(vigil_records(metadata))::bigint as records_sum,
         max(vigil_records(metadata))::bigint as records_max
       from audit_events where ${CATEGORY_RANGE} and action <> 'REPORT_DOWNLOADED'
       group by 1
     )
     select g.*, r.key as role_key, r.name as role_name, r.permissions, u.name as user_name, k.name as key_name, k.scopes as key_scopes
     from g
     left join users u on g.email is not null and u.email = g.email
     left join memberships m on m.user_id = u.id and m.org_id = $1
     left join roles r on r.id = m.role_id
     left join api_keys k on g.actor_type = 'api' and k.org_id = $1 and k.id::text = g.actor_id
     order by g.count desc, g.actor`,
    [orgId, period.from, period.to, "export"],
  );
  return rows.map((r) => {
    const isKey = r.key_scopes !== null;
    const authorized = isKey
      ? r.key_scopes!.includes("events:read") || r.key_scopes!.includes("admin")
      : r.role_key !== null && (r.permissions ?? []).includes("events:export");
    const recordsEvents = Number(r.records_events);
    const recordsTotal = Number(r.records_sum ?? 0);
    return {
      actor: r.actor,
      name: r.user_name ?? r.key_name ?? r.name,
      actor_type: r.actor_type,
      role: isKey ? "api_key" : r.role_key,
      role_name: isKey ? "API key" : r.role_name ?? "Not a member",
      count: Number(r.count),
      records_total: recordsTotal,
      records_average: average(recordsTotal, recordsEvents),
      records_max: r.records_max === null ? null : Number(r.records_max),
      records_events: recordsEvents,
      authorized,
    };
  });
}

/** A settings change in a line: "Security: MFA required" or "ana@…: agent → manager". */
function summarize(r: { action: string; section: string | null; what: string | null; user: string | null; new_role: string | null; previous_role: string | null; target: string | null; reason: string | null }): string {
  if (r.user || r.new_role) return `${r.user ?? r.target ?? "user"}: ${r.previous_role ?? "?"} → ${r.new_role ?? "?"}`;
  const parts = [r.section ?? r.target, r.what].filter(Boolean);
  if (parts.length > 0) return parts.join(": ");
  return r.reason ?? r.action;
}

/** Every settings change of the period with its newest review; administrators and review state. */
async function settingsChanges(db: pg.PoolClient, orgId: string, period: ReportPeriod) {
  const { rows } = await db.query<{
    id: string; seq: string; occurred_at: Date; action: string; status: string; actor: string | null; actor_name: string | null;
    section: string | null; what: string | null; user: string | null; new_role: string | null; previous_role: string | null;
    target: string | null; reason: string | null;
    compliant: boolean | null; note: string | null; reviewer: string | null; reviewed_at: Date | null;
  }>(
    `with s as (
       select id, seq, occurred_at, action, status, coalesce(actor_email, actor_id) as actor, actor_name,
         metadata ->> 'section' as section, metadata ->> 'action' as what, metadata ->> 'user' as "user",
         metadata ->> 'new_role' as new_role, metadata ->> 'previous_role' as previous_role,
         coalesce(targets -> 0 ->> 'name', targets -> 0 ->> 'id') as target, reason
       from audit_events where ${CATEGORY_RANGE}
     )
     select s.*, rv.compliant, rv.note, coalesce(u.email, rv.reviewer_user_id::text) as reviewer, rv.reviewed_at
     from s
     left join lateral (
       select compliant, note, reviewer_user_id, reviewed_at from event_reviews
       where org_id = $1 and event_id = s.id order by reviewed_at desc, id desc limit 1
     ) rv on true
     left join users u on u.id = rv.reviewer_user_id
     order by s.occurred_at desc, s.seq desc`,
    [orgId, period.from, period.to, "settings"],
  );
  const admins = new Map<string, { actor: string; name: string | null; count: number }>();
  let compliant = 0;
  let nonCompliant = 0;
  for (const r of rows) {
    const key = r.actor ?? "(unknown)";
    const a = admins.get(key) ?? { actor: key, name: r.actor_name, count: 0 };
    a.count++;
    admins.set(key, a);
    if (r.compliant === true) compliant++;
    else if (r.compliant === false) nonCompliant++;
  }
  const total = rows.length;
  const unreviewed = total - compliant - nonCompliant;
  return {
    administrators: [...admins.keys()].filter((k) => k !== "(unknown)").length,
    by_administrator: [...admins.values()].sort((a, b) => b.count - a.count || a.actor.localeCompare(b.actor)),
    review: reviewStatus(total, compliant, nonCompliant, unreviewed),
    changes: rows.slice(0, SETTINGS_LISTED).map((r): SettingsChange => ({
      id: r.id,
      seq: Number(r.seq),
      occurred_at: r.occurred_at.toISOString(),
      action: r.action,
      status: r.status,
      actor: r.actor,
      summary: summarize(r),
      review: r.reviewed_at
        ? { compliant: r.compliant!, note: r.note, reviewer: r.reviewer, reviewed_at: r.reviewed_at.toISOString() }
        : null,
    })),
    listed: Math.min(total, SETTINGS_LISTED),
  };
}

/** "Reviewed: all compliant" only when every change has a review and each newest review is compliant. */
export function reviewStatus(total: number, compliant: number, nonCompliant: number, unreviewed: number): ReviewStatus {
  const counts = { reviewed: compliant + nonCompliant, compliant, non_compliant: nonCompliant, unreviewed };
  if (total === 0) return { state: "none", label: "No settings changes", ...counts };
  if (nonCompliant > 0) return { state: "non_compliant", label: `Reviewed: ${nonCompliant} not compliant`, ...counts };
  if (unreviewed > 0) return { state: "pending", label: `${unreviewed} of ${total} not reviewed`, ...counts };
  return { state: "all_compliant", label: "Reviewed: all compliant", ...counts };
}

/** The signed tree head a report was made against, and what checks it (docs/integrity.md). */
export interface ReportCheckpoint {
  /** The tree size: the chain head's seq when signed. */
  seq: number;
  /** The chain head's hash. */
  hash: string;
  /** The Merkle tree's root at that size; null for a checkpoint from before the tree. */
  root_hash: string | null;
  signed_at: string;
  key_id: string;
  /** The C2SP verifier key of the key that signed it. */
  verifier_key: string;
  signature: string;
}

export async function chainState(db: pg.PoolClient | pg.Pool, orgId: string): Promise<Omit<SecurityReport["chain"], "verification">> {
  const head = await db.query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1", [orgId]);
  const cp = await db.query<{ seq: number; hash: string; root_hash: string | null; signed_at: Date; key_id: string; signature: string; public_key: string }>(
    `select c.seq, c.hash, c.root_hash, c.signed_at, c.key_id, c.signature, k.public_key
       from checkpoints c join signing_keys k on k.id = c.key_id
      where c.org_id = $1 order by c.seq desc, c.signed_at desc limit 1`,
    [orgId],
  );
  const c = cp.rows[0];
  return {
    head: { seq: Number(head.rows[0]?.seq ?? 0), hash: head.rows[0]?.hash ?? "0".repeat(64) },
    checkpoint: c
      ? { seq: Number(c.seq), hash: c.hash, root_hash: c.root_hash, signed_at: c.signed_at.toISOString(), key_id: c.key_id, verifier_key: verifierKey(c.public_key), signature: c.signature }
      : null,
  };
}
