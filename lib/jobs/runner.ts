import type { OrgFailure } from "@/lib/jobs/state";
import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";

/**
 * Runs a scheduled job at most once at a time across every app instance: the job holds a
 * session-level Postgres advisory lock on its own connection for the whole run, and a
 * second caller that can't take it skips. A crash releases the lock with the connection.
 * Each run that starts is recorded in job_runs with what it did or why it failed.
 */

export const JOB_NAMES = ["alerts", "verify", "backup", "retention", "reports"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** The advisory-lock namespace of jobs (the first key of the two-key form). */
const JOB_LOCK_NAMESPACE = 72_177_100;

export type JobSummary = Record<string, unknown>;

export interface JobContext {
  runId: string;
  /** Limits the run to these orgs (tests, a per-org trigger); undefined means every org. */
  orgIds?: string[];
}

/** A job as the framework runs it: its name, its schedule (UTC cron) and its work. */
export interface ScheduledJob {
  name: JobName;
  schedule: string;
  describe: string;
  work: (ctx: JobContext) => Promise<JobSummary>;
}

export type JobOutcome =
  | { status: "succeeded"; runId: string; summary: JobSummary }
  /** Some orgs failed (summary.failed_orgs), the others were done. */
  | { status: "partial"; runId: string; summary: JobSummary; error: string }
  | { status: "failed"; runId: string; error: string }
  | { status: "skipped"; reason: string };

export interface RunJobOptions {
  orgIds?: string[];
}

/** The lock key: the job, narrowed to the orgs of a scoped run. */
function lockKey(name: string, orgIds: string[] | undefined): string {
  return orgIds ? `${name}:${[...orgIds].sort().join(",")}` : name;
}

async function tryLock(client: pg.PoolClient, key: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, hashtext($2)) as ok", [JOB_LOCK_NAMESPACE, key]);
  return rows[0]!.ok;
}

export async function runJob(name: JobName, fn: (ctx: JobContext) => Promise<JobSummary>, opts: RunJobOptions = {}): Promise<JobOutcome> {
  const key = lockKey(name, opts.orgIds);
  const lockClient = await pool().connect();
  let broken = false;
  try {
    if (!(await tryLock(lockClient, key))) return { status: "skipped", reason: `${name} is already running` };
    const orgId = opts.orgIds?.length === 1 ? opts.orgIds[0]! : null;
    // Holding the lock, no other run of this job and scope can be alive: an older
    // "running" row is the trace of a process that died midway. A run scoped to several orgs
    // (tests, operators) has a lock of its own but no org in its row, so it can't tell its
    // own scope's rows from others' and leaves them.
    if (!opts.orgIds || opts.orgIds.length === 1) await pool().query(
      `update job_runs set status = 'abandoned', finished_at = now(), error = 'the process ended before the run finished'
       where job = $1 and status = 'running' and org_id is not distinct from $2`,
      [name, orgId],
    );
    const runId = uuidv7();
    await pool().query("insert into job_runs (id, job, org_id, status) values ($1, $2, $3, 'running')", [runId, name, orgId]);
    try {
      const { failures, ...summary } = await fn({ runId, orgIds: opts.orgIds });
      const failed = Array.isArray(failures) ? (failures as OrgFailure[]) : [];
      if (failed.length > 0) {
        const partial = { ...summary, failed_orgs: failed.map((f) => f.org_id) };
        const error = failed.map((f) => `org ${f.org_id}: ${f.error}`).join("\n");
        await pool().query("update job_runs set status = 'partial', finished_at = now(), summary = $2, error = $3 where id = $1", [runId, JSON.stringify(partial), error.slice(0, 2000)]);
        return { status: "partial", runId, summary: partial, error };
      }
      await pool().query("update job_runs set status = 'succeeded', finished_at = now(), summary = $2 where id = $1", [runId, JSON.stringify(summary)]);
      return { status: "succeeded", runId, summary };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      console.error(`[vigil] job ${name} failed`, err);
      await pool().query("update job_runs set status = 'failed', finished_at = now(), error = $2 where id = $1", [runId, error.slice(0, 2000)]);
      return { status: "failed", runId, error };
    } finally {
      await lockClient.query("select pg_advisory_unlock($1, hashtext($2))", [JOB_LOCK_NAMESPACE, key]).catch(() => {
        broken = true;
      });
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    // A connection whose unlock failed must not go back to the pool still holding the lock.
    lockClient.release(broken);
  }
}

export interface JobRunRow {
  id: string;
  job: string;
  org_id: string | null;
  started_at: Date;
  finished_at: Date | null;
  status: string;
  summary: JobSummary;
  error: string | null;
}

/** Recent runs, newest first: for the console and operators. */
export async function listJobRuns(opts: { job?: JobName; limit?: number } = {}): Promise<JobRunRow[]> {
  const { rows } = await pool().query<JobRunRow>(
    `select id, job, org_id, started_at, finished_at, status, summary, error from job_runs
     where ($1::text is null or job = $1) order by started_at desc limit $2`,
    [opts.job ?? null, opts.limit ?? 50],
  );
  return rows;
}
