import type pg from "pg";

/**
 * Monthly partitions of audit_events: made ahead at startup, and on demand before a batch
 * that holds a month never seen (a back-dated import). Known months are remembered per
 * process; creation is idempotent in the database (vigil_ensure_partition).
 */

const known = new Set<string>();

export function monthKey(iso: string): string {
  return iso.slice(0, 7);
}

export async function ensurePartitions(db: pg.Pool | pg.PoolClient, isoTimes: Iterable<string>): Promise<void> {
  const months = new Set<string>();
  for (const t of isoTimes) {
    const key = monthKey(t);
    if (!known.has(key)) months.add(key);
  }
  for (const key of months) {
    await db.query("select vigil_ensure_partition($1::timestamptz)", [`${key}-01T00:00:00Z`]);
    known.add(key);
  }
}

/** Partitions for the previous month, this one and the next `ahead` months. */
export async function ensureUpcomingPartitions(db: pg.Pool | pg.PoolClient, ahead = 3, now = new Date()): Promise<void> {
  const times: string[] = [];
  for (let offset = -1; offset <= ahead; offset++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    times.push(d.toISOString());
  }
  await ensurePartitions(db, times);
}

/** Retention drops partitions; forget what this process believed existed. */
export function forgetKnownPartitions(): void {
  known.clear();
}
