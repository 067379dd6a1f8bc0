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

/** An org a run could not finish, and why (kept in job_runs and the server log, never sent to clients). */
export interface OrgFailure {
  org_id: string;
  error: string;
}

/**
 * Runs `fn` for each org in turn; one org's problem (a broken chain, a store that refuses a
 * segment) is recorded and the run carries on with the others (docs/security.md, finding 2).
 * When every org failed, the run failed: the first error is thrown.
 */
export async function forEachOrg<T>(job: string, orgs: string[], fn: (orgId: string) => Promise<T>): Promise<{ results: T[]; failed: OrgFailure[] }> {
  const results: T[] = [];
  const failed: OrgFailure[] = [];
  let first: unknown;
  for (const orgId of orgs) {
    try {
      results.push(await fn(orgId));
    } catch (err) {
      first ??= err;
      console.error(`[vigil] job ${job}: org ${orgId} failed`, err);
      failed.push({ org_id: orgId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  if (orgs.length > 0 && failed.length === orgs.length) throw first;
  return { results, failed };
}
