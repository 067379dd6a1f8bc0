import { pool, readPool } from "@/lib/db/pool";
import type { EventFilter } from "@/lib/events/filter";
import { filterToSql } from "@/lib/events/filter-sql";

/**
 * Progress of the search page's exports. The file itself downloads as an ordinary response
 * (the browser writes it to disk as it streams); this row, updated at most twice a second,
 * is what the page polls to draw its progress bar. Kept in the database so that any app
 * instance can answer the poll.
 */

export interface ExportRun {
  id: string;
  records: number;
  total: number | null;
  status: "running" | "done" | "failed";
}

const UPDATE_EVERY_MS = 500;

export interface ExportProgress {
  advance(records: number): void;
  finish(records: number, completed: boolean): Promise<void>;
}

/**
 * Starts the run row (or returns null when the id is taken: the client made it, so a replayed
 * id must not overwrite someone's run) and counts the filter's rows in the background for the
 * bar's total. A count that is slow or fails leaves the total unknown; the bar then shows only
 * the records so far.
 */
export async function startExportRun(
  run: { id: string; orgId: string; userId: string; format: string; filter: string; reason: string },
  eventFilter: EventFilter,
): Promise<ExportProgress | null> {
  const inserted = await pool().query(
    `insert into export_runs (id, org_id, user_id, format, filter, reason) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do nothing`,
    [run.id, run.orgId, run.userId, run.format, run.filter, run.reason],
  );
  if (!inserted.rowCount) return null;
  void countInBackground(run.id, run.orgId, eventFilter);

  let lastWrite = Date.now();
  let latest = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const write = (records: number, status: ExportRun["status"]) => {
    writing = writing.then(() =>
      pool().query("update export_runs set records = $2, status = $3, updated_at = now() where id = $1", [run.id, records, status]),
    ).catch((err: unknown) => console.error("export progress update failed:", err instanceof Error ? err.message : err));
    return writing;
  };
  return {
    advance(records) {
      latest = records;
      if (Date.now() - lastWrite < UPDATE_EVERY_MS) return;
      lastWrite = Date.now();
      void write(latest, "running");
    },
    async finish(records, completed) {
      await write(records, completed ? "done" : "failed");
    },
  };
}

async function countInBackground(id: string, orgId: string, filter: EventFilter): Promise<void> {
  // Best effort, on the read pool and within its statement limit: a busy pool, a count
  // past the limit or a restarting database leaves the total unknown.
  try {
    const where = filterToSql(orgId, filter);
    const { rows } = await readPool().query<{ n: number }>(`select count(*)::bigint as n from audit_events where ${where.sql}`, where.params);
    await pool().query("update export_runs set total = $2 where id = $1", [id, rows[0]!.n]);
  } catch {
    // the progress bar shows records without a total
  }
}

/** A run of this user in this org, or null: someone else's id answers exactly like a missing one. */
export async function getExportRun(orgId: string, userId: string, id: string): Promise<ExportRun | null> {
  const { rows } = await pool().query<ExportRun>(
    "select id, records, total, status from export_runs where id = $1 and org_id = $2 and user_id = $3",
    [id, orgId, userId],
  );
  return rows[0] ?? null;
}
