import type pg from "pg";
import { pool, readPool, withTransaction } from "@/lib/db/pool";

/**
 * Hourly rollups of audit_events (org, UTC hour, category, action, status, source → events and
 * metadata.records sums), so a report over 30 days of a busy org reads a few thousand
 * bucket rows instead of scanning every event.
 *
 * Freshness without a write on the ingest path: event_rollup_state.rolled_seq says which
 * events the rollups hold (every seq up to it, none above). Seq follows commit order per
 * org (ingest assigns it under the chain-head lock), so a reader takes the rollups for
 * whole hours plus, from the raw events, the partial hours at the period's ends and the
 * events above rolled_seq — in one snapshot, the sum is exactly what a scan would count.
 * refreshRollups moves rolled_seq forward in bounded steps; reports call it when the
 * unrolled tail grows large, and a job may call it on a schedule.
 *
 * Retention may later delete events the rollups counted: reports over archived months
 * keep their totals, and only the raw detail (top IPs, exporters) is gone.
 */

const HOUR_MS = 3600_000;
/** Events folded into the rollups per transaction. */
export const REFRESH_STEP = 100_000;

export interface RollupBucket {
  hour: Date;
  category: string;
  action: string;
  status: string;
  source: string;
  events: number;
  records_events: number;
  records_sum: number;
  records_max: number | null;
}

/** The grouping shared by the refresh and the raw reads: one definition, one answer. */
const BUCKET_SELECT = `date_trunc('hour', occurred_at at time zone 'UTC') at time zone 'UTC' as hour, category, action, status, source,
  count(*)::bigint as events, count(vigil_records(metadata))::bigint as records_events,
  coalesce(sum(vigil_records(metadata)), 0)::bigint as records_sum, max(vigil_records(metadata))::bigint as records_max`;
const BUCKET_GROUP = "group by 1, 2, 3, 4, 5";

export interface RefreshResult {
  rolledSeq: number;
  added: number;
}

/** Folds the org's events above rolled_seq into the rollups, `step` events per transaction. */
export async function refreshRollups(orgId: string, opts: { step?: number } = {}): Promise<RefreshResult> {
  const step = opts.step ?? REFRESH_STEP;
  let added = 0;
  for (;;) {
    const r = await withTransaction(async (client) => {
      await client.query("insert into event_rollup_state (org_id) values ($1) on conflict do nothing", [orgId]);
      const state = await client.query<{ rolled_seq: number }>(
        "select rolled_seq from event_rollup_state where org_id = $1 for update", [orgId],
      );
      const rolled = Number(state.rows[0]!.rolled_seq);
      // Every event up to the head's seq is committed: the head moves in the same transaction.
      const head = await client.query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
      const headSeq = Number(head.rows[0]?.seq ?? 0);
      if (headSeq <= rolled) return { rolled, upper: rolled, headSeq };
      const upper = Math.min(headSeq, rolled + step);
      await client.query(
        `insert into event_hourly_rollups (org_id, hour, category, action, status, source, events, records_events, records_sum, records_max)
         select $1::uuid, b.* from (
           select ${BUCKET_SELECT} from audit_events where org_id = $1 and seq > $2 and seq <= $3 ${BUCKET_GROUP}
         ) b
         on conflict (org_id, hour, category, action, status, source) do update set
           events = event_hourly_rollups.events + excluded.events,
           records_events = event_hourly_rollups.records_events + excluded.records_events,
           records_sum = event_hourly_rollups.records_sum + excluded.records_sum,
           records_max = greatest(event_hourly_rollups.records_max, excluded.records_max)`,
        [orgId, rolled, upper],
      );
      await client.query("update event_rollup_state set rolled_seq = $2, refreshed_at = now() where org_id = $1", [orgId, upper]);
      return { rolled, upper, headSeq };
    });
    added += r.upper - r.rolled;
    if (r.upper >= r.headSeq) return { rolledSeq: r.upper, added };
  }
}

/** Refreshes every org whose rollups are behind its chain head; what a scheduled job runs. */
/** The orgs with events not yet folded into their rollups. */
export async function orgsWithUnrolledEvents(): Promise<string[]> {
  const { rows } = await pool().query<{ org_id: string }>(
    `select h.org_id from chain_heads h left join event_rollup_state s on s.org_id = h.org_id
     where h.seq > coalesce(s.rolled_seq, 0) order by h.org_id`,
  );
  return rows.map((r) => r.org_id);
}

/** Events appended since the last refresh. */
export async function unrolledEvents(db: pg.Pool | pg.PoolClient, orgId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select greatest(coalesce(h.seq, 0) - coalesce(s.rolled_seq, 0), 0)::bigint as n
     from (select $1::uuid as org_id) o
     left join chain_heads h on h.org_id = o.org_id left join event_rollup_state s on s.org_id = o.org_id`,
    [orgId],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * The period split for reading: whole UTC hours from the rollups, partial hours at the
 * ends from the raw events. When the period holds no whole hour, it is all raw.
 */
export function splitPeriod(from: Date, to: Date): { wholeFrom: Date; wholeTo: Date } {
  const h0 = Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS;
  const h1 = Math.floor(to.getTime() / HOUR_MS) * HOUR_MS;
  if (h0 >= h1) return { wholeFrom: to, wholeTo: to };
  return { wholeFrom: new Date(h0), wholeTo: new Date(h1) };
}

/**
 * SQL (a subquery of bucket rows) for the org's events in [$2, $3): rollup rows for whole
 * hours plus raw rows for the ends and for events above rolled_seq. Parameters: $1 org,
 * $2 from, $3 to, $4 whole-hours start, $5 whole-hours end, $6 rolled_seq. Run it inside
 * one snapshot (readSnapshot) with rolled_seq read in that snapshot (bucketParams): the
 * rollups and rolled_seq belong together. rolled_seq is a parameter, not a subquery, so
 * the planner sees how few events lie above it and reads them through (org_id, seq).
 */
export const BUCKETS_SQL = `(
  select hour, category, action, status, source, events, records_events, records_sum, records_max
    from event_hourly_rollups where org_id = $1 and hour >= $4 and hour < $5
  union all
  select ${BUCKET_SELECT} from audit_events where org_id = $1 and occurred_at >= $2 and occurred_at < $4 ${BUCKET_GROUP}
  union all
  select ${BUCKET_SELECT} from audit_events where org_id = $1 and occurred_at >= $5 and occurred_at < $3 ${BUCKET_GROUP}
  union all
  select ${BUCKET_SELECT} from audit_events
    where org_id = $1 and seq > $6 and occurred_at >= $4 and occurred_at < $5 ${BUCKET_GROUP}
)`;

export type BucketParams = [string, Date, Date, Date, Date, number];

/** The parameters of BUCKETS_SQL, rolled_seq read through `db` (the report's snapshot). */
export async function bucketParams(db: pg.Pool | pg.PoolClient, orgId: string, from: Date, to: Date): Promise<BucketParams> {
  const { wholeFrom, wholeTo } = splitPeriod(from, to);
  const state = await db.query<{ rolled_seq: number }>("select rolled_seq from event_rollup_state where org_id = $1", [orgId]);
  return [orgId, from, to, wholeFrom, wholeTo, Number(state.rows[0]?.rolled_seq ?? 0)];
}

const toBucket = (r: Record<string, unknown>): RollupBucket => ({
  hour: r.hour as Date,
  category: r.category as string,
  action: r.action as string,
  status: r.status as string,
  source: r.source as string,
  events: Number(r.events),
  records_events: Number(r.records_events),
  records_sum: Number(r.records_sum),
  records_max: r.records_max === null ? null : Number(r.records_max),
});

const ORDER = "order by hour, category, action, status, source";

/** Buckets of [from, to) as the reports read them (rollups + raw ends + raw tail), merged per bucket. */
export async function readBuckets(db: pg.Pool | pg.PoolClient, orgId: string, from: Date, to: Date): Promise<RollupBucket[]> {
  const { rows } = await db.query(
    `select hour, category, action, status, source, sum(events)::bigint as events, sum(records_events)::bigint as records_events,
       sum(records_sum)::bigint as records_sum, max(records_max)::bigint as records_max
     from ${BUCKETS_SQL} b group by 1, 2, 3, 4, 5 ${ORDER}`,
    await bucketParams(db, orgId, from, to),
  );
  return rows.map(toBucket);
}

/** The same buckets counted from the raw events alone: what the rollups must equal. */
export async function scanBuckets(db: pg.Pool | pg.PoolClient, orgId: string, from: Date, to: Date): Promise<RollupBucket[]> {
  const { rows } = await db.query(
    `select ${BUCKET_SELECT} from audit_events where org_id = $1 and occurred_at >= $2 and occurred_at < $3 ${BUCKET_GROUP} ${ORDER}`,
    [orgId, from, to],
  );
  return rows.map(toBucket);
}

/**
 * Runs fn in one read-only REPEATABLE READ transaction: every query sees the same
 * snapshot, so rollups, rolled_seq and the raw queries of one report agree. On the read
 * pool: each statement is held to VIGIL_READ_TIMEOUT_MS.
 */
export function readSnapshot<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(fn, "begin isolation level repeatable read read only", readPool());
}
