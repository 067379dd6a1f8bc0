import type pg from "pg";
import { pool } from "@/lib/db/pool";

/**
 * Watermarks of resumable jobs: (job, org, key) → JSON value. A job moves its watermark in
 * the same transaction as the work it covers (pass the transaction's client), so a run
 * killed midway restarts exactly after the last step that committed.
 */

type Db = pg.Pool | pg.PoolClient;

export async function getJobState<T>(job: string, orgId: string, key: string, db: Db = pool()): Promise<T | undefined> {
  const { rows } = await db.query<{ value: T }>("select value from job_state where job = $1 and org_id = $2 and key = $3", [job, orgId, key]);
  return rows[0]?.value;
}

export async function setJobState(job: string, orgId: string, key: string, value: unknown, db: Db = pool()): Promise<void> {
  await db.query(
    `insert into job_state (job, org_id, key, value, updated_at) values ($1, $2, $3, $4, now())
     on conflict (job, org_id, key) do update set value = excluded.value, updated_at = now()`,
    [job, orgId, key, JSON.stringify(value)],
  );
}

/** The orgs a run covers: the given ones, else every organization. */
export async function orgsToProcess(orgIds?: string[]): Promise<string[]> {
  if (orgIds) return orgIds;
  const { rows } = await pool().query<{ id: string }>("select id from organizations order by id");
  return rows.map((r) => r.id);
}
