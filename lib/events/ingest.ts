import type pg from "pg";
import { STORED_COLUMNS, STORED_COLUMN_TYPES, type StoredColumn } from "@/lib/events/columns";
import { uuidv7 } from "uuidv7";
import { pool, withTransaction } from "@/lib/db/pool";
import { GENESIS_HASH, canonicalJson, contentHash, contentOf, linkHash, sha256Hex } from "@/lib/integrity/chain";
import { ensurePartitions, forgetKnownPartitions } from "@/lib/events/partitions";
import { extendTree } from "@/lib/integrity/tree";
import { searchTextOf, toDraft, type EventDraft } from "@/lib/events/record";
import type { IngestResult } from "@/lib/events/schema";
import type { Source } from "@/lib/events/catalog";
import type { AuditEvent } from "@/lib/events/types";

/**
 * Ingest: validate each item alone, then append the valid ones to the org's chain in one
 * transaction that locks the chain head once. Concurrent requests for one org are
 * group-committed: while a transaction runs, new arrivals queue and go together in the next
 * one, so a thousand single-event requests cost a few transactions, not a thousand.
 */

/**
 * Work done for a draft before it waits for its org's chain head: its id, and its
 * canonical JSON with a stand-in for `seq`. Under the head lock only the seq is written in
 * and the string hashed, so the serial part of a group commit stays short while the next
 * requests are prepared alongside the database's work.
 */
interface PreparedDraft {
  orgId: string;
  id: string;
  canonical: string;
}

const prepared = new WeakMap<EventDraft, PreparedDraft>();
/** A number no real seq takes; in JCS output `"seq":<it>` appears once, at the top level. */
const SEQ_STAND_IN = 1.2345678901234567e-300;
const SEQ_MARK = `"seq":${String(SEQ_STAND_IN)}`;

export function prepareDraft(orgId: string, draft: EventDraft): void {
  const id = uuidv7();
  prepared.set(draft, { orgId, id, canonical: canonicalJson(contentOf({ id, org_id: orgId, seq: SEQ_STAND_IN, ...draft })) });
}

function preparedFor(orgId: string, draft: EventDraft): PreparedDraft | undefined {
  const p = prepared.get(draft);
  return p && p.orgId === orgId ? p : undefined;
}

function contentHashAt(orgId: string, draft: EventDraft, id: string, seq: number): string {
  const p = preparedFor(orgId, draft);
  if (!p) return contentHash({ id, org_id: orgId, seq, ...draft });
  // Keys after "seq" (severity, source, status, targets) hold only strings, and a quote
  // inside a JSON string is escaped, so the last mark is the top-level seq.
  const at = p.canonical.lastIndexOf(SEQ_MARK);
  return sha256Hex(p.canonical.slice(0, at) + `"seq":${seq}` + p.canonical.slice(at + SEQ_MARK.length));
}

export interface AppendedEvent {
  id: string;
  seq: number;
  hash: string;
  status: "created" | "duplicate";
}

export async function lockChainHead(client: pg.PoolClient, orgId: string): Promise<{ seq: number; hash: string }> {
  const head = await client.query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1 for update", [orgId]);
  if (head.rows[0]) return head.rows[0];
  await client.query("insert into chain_heads (org_id, seq, hash) values ($1, 0, $2) on conflict do nothing", [orgId, GENESIS_HASH]);
  const again = await client.query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1 for update", [orgId]);
  return again.rows[0]!;
}

/**
 * Appends drafts to the org's chain inside the caller's transaction: the console uses it
 * to write its own audit record in the same transaction as the change it records.
 * Partitions for the drafts' months must exist before the transaction: run it through
 * inAppendTransaction, which makes them (and retries when retention dropped one meanwhile).
 */
export async function appendEvents(client: pg.PoolClient, orgId: string, drafts: EventDraft[]): Promise<AppendedEvent[]> {
  const head = await lockChainHead(client, orgId);
  const results: AppendedEvent[] = new Array(drafts.length);
  const ids = drafts.map((d) => preparedFor(orgId, d)?.id ?? uuidv7());

  // Idempotency: the first occurrence of a key (in this batch or before it) wins.
  const firstIndexByKey = new Map<string, number>();
  drafts.forEach((d, i) => {
    if (d.idempotency_key !== null && !firstIndexByKey.has(d.idempotency_key)) firstIndexByKey.set(d.idempotency_key, i);
  });
  const existing = new Map<string, string>();
  if (firstIndexByKey.size > 0) {
    const keys = [...firstIndexByKey.keys()];
    const indexes = [...firstIndexByKey.values()];
    const inserted = await client.query<{ key: string }>(
      `insert into idempotency_keys (org_id, key, event_id, occurred_at)
       select $1, k, e, o from unnest($2::text[], $3::uuid[], $4::timestamptz[]) as t(k, e, o)
       on conflict do nothing returning key`,
      [orgId, keys, indexes.map((i) => ids[i]), indexes.map((i) => drafts[i]!.occurred_at)],
    );
    const fresh = new Set(inserted.rows.map((r) => r.key));
    const old = keys.filter((k) => !fresh.has(k));
    if (old.length > 0) {
      const found = await client.query<{ key: string; event_id: string }>(
        "select key, event_id from idempotency_keys where org_id = $1 and key = any($2::text[])",
        [orgId, old],
      );
      for (const r of found.rows) existing.set(r.key, r.event_id);
    }
  }

  let seq = head.seq;
  let prev = head.hash;
  const cols = {
    id: [] as string[], seq: [] as number[], occurred_at: [] as string[], action: [] as string[], category: [] as string[],
    status: [] as string[], severity: [] as string[], actor_type: [] as (string | null)[], actor_id: [] as (string | null)[],
    actor_email: [] as (string | null)[], actor_name: [] as (string | null)[], targets: [] as string[], ip: [] as (string | null)[],
    user_agent: [] as (string | null)[], location: [] as (string | null)[], request_id: [] as (string | null)[],
    reason: [] as (string | null)[], changes: [] as string[], metadata: [] as string[], source: [] as string[],
    idempotency_key: [] as (string | null)[], search_text: [] as string[], content_hash: [] as string[], prev_hash: [] as string[], hash: [] as string[],
  };
  drafts.forEach((d, i) => {
    const key = d.idempotency_key;
    if (key !== null) {
      const first = firstIndexByKey.get(key)!;
      const earlier = existing.get(key);
      if (earlier) {
        results[i] = { id: earlier, seq: 0, hash: "", status: "duplicate" };
        return;
      }
      if (first !== i) {
        results[i] = { id: ids[first]!, seq: 0, hash: "", status: "duplicate" };
        return;
      }
    }
    seq += 1;
    const id = ids[i]!;
    const ch = contentHashAt(orgId, d, id, seq);
    const hash = linkHash(prev, ch);
    cols.id.push(id); cols.seq.push(seq); cols.occurred_at.push(d.occurred_at); cols.action.push(d.action);
    cols.category.push(d.category); cols.status.push(d.status); cols.severity.push(d.severity);
    cols.actor_type.push(d.actor?.type ?? null); cols.actor_id.push(d.actor?.id ?? null);
    cols.actor_email.push(d.actor?.email ?? null); cols.actor_name.push(d.actor?.name ?? null);
    cols.targets.push(JSON.stringify(d.targets)); cols.ip.push(d.context.ip); cols.user_agent.push(d.context.user_agent);
    cols.location.push(d.context.location); cols.request_id.push(d.context.request_id); cols.reason.push(d.reason);
    cols.changes.push(JSON.stringify(d.changes)); cols.metadata.push(JSON.stringify(d.metadata)); cols.source.push(d.source);
    cols.idempotency_key.push(key); cols.search_text.push(searchTextOf(d)); cols.content_hash.push(ch);
    cols.prev_hash.push(prev); cols.hash.push(hash);
    results[i] = { id, seq, hash, status: "created" };
    prev = hash;
  });

  if (cols.id.length > 0) {
    await client.query(
      INSERT_EVENTS,
      [orgId, ...UNNESTED.map((c) => cols[c])],
    );
    await client.query("update chain_heads set seq = $2, hash = $3, updated_at = now() where org_id = $1", [orgId, seq, prev]);
    await extendTree(client, orgId, head.seq, seq, cols.hash, head.hash);
  }
  return results;
}

/** The columns ingest sends as arrays: every stored column but the org ($1) and received_at (the commit's now()). */
const UNNESTED = STORED_COLUMNS.filter((c): c is Exclude<StoredColumn, "org_id" | "received_at"> => c !== "org_id" && c !== "received_at");

/** One statement for a whole batch: each column's values as one array parameter, typed by the column list. */
const INSERT_EVENTS =
  `insert into audit_events (${STORED_COLUMNS.join(", ")}) ` +
  `select ${STORED_COLUMNS.map((c) => (c === "org_id" ? "$1" : c === "received_at" ? "now()" : c)).join(", ")} ` +
  `from unnest(${UNNESTED.map((c, i) => `$${i + 2}::${STORED_COLUMN_TYPES[c]}[]`).join(", ")}) as t(${UNNESTED.join(", ")})`;

/** One request's valid drafts waiting for the next group commit of its org. */
interface Pending {
  drafts: EventDraft[];
  resolve: (r: AppendedEvent[]) => void;
  reject: (e: unknown) => void;
}

interface OrgQueue {
  pending: Pending[];
  running: boolean;
}

const queues = new Map<string, OrgQueue>();
/** Largest group commit; a single request of 1000 still goes alone. */
const GROUP_LIMIT = 2000;

/**
 * Runs a transaction that appends to audit_events (appendEvents), owning what that needs:
 * the partitions of the months in `times` (and of now) are made first, and when a partition
 * this process believed in was dropped meanwhile (retention; PostgreSQL answers 23514),
 * they are made again and the whole transaction runs once more.
 */
export async function inAppendTransaction<T>(times: Iterable<string>, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const months = [...times, new Date().toISOString()];
  await ensurePartitions(pool(), months);
  try {
    return await withTransaction(fn);
  } catch (err) {
    if ((err as { code?: string }).code !== "23514") throw err;
    forgetKnownPartitions();
    await ensurePartitions(pool(), months);
    return withTransaction(fn);
  }
}

async function commitGroup(orgId: string, group: Pending[]): Promise<void> {
  const drafts = group.flatMap((p) => p.drafts);
  try {
    const appended = await inAppendTransaction(drafts.map((d) => d.occurred_at), (client) => appendEvents(client, orgId, drafts));
    let offset = 0;
    for (const p of group) {
      p.resolve(appended.slice(offset, offset + p.drafts.length));
      offset += p.drafts.length;
    }
  } catch (err) {
    for (const p of group) p.reject(err);
  }
}

async function drain(orgId: string, queue: OrgQueue): Promise<void> {
  queue.running = true;
  try {
    while (queue.pending.length > 0) {
      const group: Pending[] = [];
      let size = 0;
      while (queue.pending.length > 0 && (group.length === 0 || size + queue.pending[0]!.drafts.length <= GROUP_LIMIT)) {
        const next = queue.pending.shift()!;
        size += next.drafts.length;
        group.push(next);
      }
      await commitGroup(orgId, group);
    }
  } finally {
    queue.running = false;
    if (queue.pending.length === 0) queues.delete(orgId);
  }
}

/** Appends drafts through the org's group-commit queue; resolves once they are durable. */
export function appendThroughQueue(orgId: string, drafts: EventDraft[]): Promise<AppendedEvent[]> {
  if (drafts.length === 0) return Promise.resolve([]);
  let queue = queues.get(orgId);
  if (!queue) {
    queue = { pending: [], running: false };
    queues.set(orgId, queue);
  }
  const promise = new Promise<AppendedEvent[]>((resolve, reject) => queue!.pending.push({ drafts, resolve, reject }));
  if (!queue.running) void drain(orgId, queue);
  return promise;
}

/** Validates items one by one and stores the valid ones; answers per item, in order. */
export async function ingestEvents(orgId: string, items: unknown[], source: Source = "api"): Promise<IngestResult[]> {
  const now = Date.now();
  const results: IngestResult[] = new Array(items.length);
  const drafts: EventDraft[] = [];
  const draftIndex: number[] = [];
  items.forEach((item, index) => {
    const r = toDraft(item, source, now);
    if (r.ok) {
      prepareDraft(orgId, r.draft);
      drafts.push(r.draft);
      draftIndex.push(index);
    } else {
      results[index] = { index, id: null, status: "rejected", errors: r.errors };
    }
  });
  const appended = await appendThroughQueue(orgId, drafts);
  appended.forEach((a, j) => {
    const index = draftIndex[j]!;
    results[index] = { index, id: a.id, status: a.status };
  });
  return results;
}

/** Records an event Vigil itself produces (console, jobs); used where no transaction is shared. */
export async function recordEvent(orgId: string, event: Record<string, unknown>, source: Source): Promise<AppendedEvent> {
  const r = toDraft(event, source);
  if (!r.ok) throw new Error(`internal event is invalid: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`);
  const [appended] = await appendThroughQueue(orgId, [r.draft]);
  return appended!;
}

export type { AuditEvent };
