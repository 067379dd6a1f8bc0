import { to as copyTo } from "pg-copy-streams";
import { pool, readPool } from "@/lib/db/pool";
import { env } from "@/lib/env";
import type { ExportFormat } from "@/lib/events/export-formats";
import { EVENT_COLUMNS } from "@/lib/events/columns";
import { VigilError } from "@/lib/errors";
import type { EventFilter } from "@/lib/events/filter";
import { filterToSql } from "@/lib/events/filter-sql";
import { CopyRows, inlineParams, ndjsonFromCopy, rowsFromCopy } from "@/lib/events/export-copy";
import { CSV_CELLS, CSV_HEADER, csvCell, isoFromPg } from "@/lib/events/csv";
import { zipExport } from "@/lib/events/export-zip";

/**
 * Exports stream in chain (seq) order from one COPY statement, so memory stays flat whatever
 * the size, and carry every chain field so `npx vigil verify` can check them.
 */

export { EXPORT_FORMATS, type ExportFormat } from "@/lib/events/export-formats";
export { CSV_COLUMNS, csvCell, isoFromPg } from "@/lib/events/csv";

/**
 * Exports running in this process, at most a quarter of the read pool: each holds a
 * connection for as long as its client reads, so without a cap slow downloads would take
 * every connection searches and reports need (ingest has its own pool).
 */
let running = 0;
export const maxConcurrentExports = () => Math.max(1, Math.floor(env().DB_READ_POOL_MAX / 4));

/** The refusal when every export slot of this server is taken. */
export const exportsBusy = () => new VigilError("unavailable", "too many exports are running on this server; retry in a minute", undefined, { "Retry-After": "30" });

/**
 * The filter's rows in seq order as COPY text, in whole rows: one statement, one snapshot
 * (the export is the log as it stood when it began), and the next bytes read from the socket
 * only when the consumer asks, so a slow reader holds the database back instead of filling
 * memory. Read-only, on a read-pool connection of its own that is closed if the consumer
 * stops early. A large export runs for minutes, so the statement has no overall time limit;
 * instead each wait for the database's next rows (the first included) is limited to
 * VIGIL_EXPORT_IDLE_TIMEOUT_MS: a filter that makes the database scan long without a match
 * is stopped, while time spent waiting for a slow client never counts.
 */
async function* copyRows(orgId: string, filter: EventFilter, maxSeq?: number): AsyncGenerator<{ buf: Buffer; ends: number[] }> {
  const client = await readPool().connect();
  let finished = false;
  try {
    await client.query("begin read only");
    await client.query("set local statement_timeout = 0; set local timezone = 'UTC'; set local datestyle = 'ISO, YMD'");
    const backend = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    const where = filterToSql(orgId, filter);
    const upTo = maxSeq === undefined ? "" : ` and seq <= ${Math.floor(maxSeq)}`;
    const sql = inlineParams(`select ${EVENT_COLUMNS} from audit_events where ${where.sql}${upTo} order by seq`, where.params, (v) => client.escapeLiteral(v));
    const stream = client.query(copyTo(`copy (${sql}) to stdout`)) as AsyncIterable<Buffer>;
    const chunks = stream[Symbol.asyncIterator]();
    const rows = new CopyRows();
    for (;;) {
      const next = await withinIdleLimit(chunks.next(), backend);
      if (next.done) break;
      const whole = rows.push(next.value);
      if (whole.ends.length > 0) yield whole;
    }
    if (rows.pending > 0) throw new Error("the export stream ended inside a row");
    await client.query("commit");
    finished = true;
  } finally {
    // Left midway (an error, or the client went away): the connection is inside a COPY and a
    // transaction, so it is closed rather than given back to the pool.
    client.release(!finished);
  }
}

/**
 * Waits for the database's next chunk; past the idle limit the statement is cancelled (from
 * another connection, as PostgreSQL cancels), so the wait ends in SQLSTATE 57014.
 */
async function withinIdleLimit<T>(next: Promise<T>, backendPid: number): Promise<T> {
  const timer = setTimeout(() => {
    pool().query("select pg_cancel_backend($1)", [backendPid]).catch(() => {});
  }, env().VIGIL_EXPORT_IDLE_TIMEOUT_MS);
  try {
    return await next;
  } finally {
    clearTimeout(timer);
  }
}

/** One CSV row, in CSV_COLUMNS order, from a COPY row (csvLineOfEvent is the same from an event). */
function csvLine(r: Array<string | null>): string {
  let line = "";
  for (let i = 0; i < CSV_CELLS.length; i++) {
    const { at, kind } = CSV_CELLS[i]!;
    const v = r[at]!;
    if (i > 0) line += ",";
    line += kind === "time" ? isoFromPg(v) : kind === "json" ? csvCell(compactJson(v), true) : csvCell(v);
  }
  return line + "\r\n";
}

const compactJson = (v: string | null) => (v === null ? null : JSON.stringify(JSON.parse(v)));

/**
 * NDJSON or CSV of the filter in seq order: each item is a chunk of UTF-8 and its row count;
 * NDJSON rows' seqs go to `seqs`. For a ZIP, `bytes` is the NDJSON and `csv` the same rows as CSV.
 */
async function* exportChunks(orgId: string, filter: EventFilter, format: ExportFormat, maxSeq?: number, seqs?: number[]): AsyncGenerator<{ bytes: Uint8Array; count: number; csv?: Uint8Array }> {
  for await (const { buf, ends } of copyRows(orgId, filter, maxSeq)) {
    const csv = format === "ndjson" ? undefined : Buffer.from(rowsFromCopy(buf, ends).map(csvLine).join(""), "utf8");
    if (format === "csv") yield { bytes: csv!, count: ends.length };
    else yield { bytes: ndjsonFromCopy(buf, ends, seqs), count: ends.length, csv };
  }
}

/**
 * The export as a byte stream, pulled by the client: a slow reader slows the database
 * reads instead of filling memory. `onDone` runs once with the count, whether the stream
 * ended or the client went away, before the response completes. The first rows are read
 * before it resolves, so a filter the database can't answer in time (or a busy read pool) is
 * an error the route can still answer with a status, not a download cut short.
 * With `proof`, the export stops at seq `proof.treeSize` (when given) and ends with the line
 * `proof.line(seqs)` makes from the seqs it held.
 */
export async function exportStream(
  orgId: string,
  filter: EventFilter,
  format: ExportFormat,
  onDone: (records: number, completed: boolean) => Promise<void>,
  onProgress?: (records: number) => void,
  proof?: { treeSize?: number; line: (seqs: number[]) => Promise<string> },
): Promise<ReadableStream<Uint8Array>> {
  if (running >= maxConcurrentExports()) throw exportsBusy();
  running++;
  let released = false;
  const release = () => {
    if (!released) running--;
    released = true;
  };
  const encoder = new TextEncoder();
  const seqs: number[] = [];
  const batches = exportChunks(orgId, filter, format, proof?.treeSize, proof ? seqs : undefined);
  let proofSent = !proof;
  let records = 0;
  let headerSent = format !== "csv";
  let finished = false;
  const finish = async (completed: boolean) => {
    if (finished) return;
    finished = true;
    release();
    await onDone(records, completed);
  };
  let first: IteratorResult<{ bytes: Uint8Array; count: number }> | undefined;
  try {
    first = await batches.next();
  } catch (err) {
    await finish(false).catch(() => {});
    throw err;
  }
  if (format === "zip") return zipExport(first, batches, { finish, proofLine: () => proof!.line(seqs), onRows: (n) => { records += n; onProgress?.(records); } });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(CSV_HEADER));
          return;
        }
        const next = first ?? (await batches.next());
        first = undefined;
        if (next.done) {
          if (!proofSent) {
            proofSent = true;
            controller.enqueue(encoder.encode(await proof!.line(seqs)));
          }
          await finish(true);
          controller.close();
          return;
        }
        records += next.value.count;
        onProgress?.(records);
        controller.enqueue(next.value.bytes);
      } catch (err) {
        await finish(false).catch(() => {});
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
      await finish(false);
    },
  });
}
