import { pool } from "@/lib/db/pool";
import type { ExportFormat } from "@/lib/events/export-formats";
import { filterToSql, type EventFilter } from "@/lib/events/filter";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import type { AuditEvent } from "@/lib/events/types";

/**
 * Exports stream in chain (seq) order, read in keyset batches so memory stays flat
 * whatever the size, and carry every chain field so `npx vigil verify` can check them.
 */

export { EXPORT_FORMATS, type ExportFormat } from "@/lib/events/export-formats";

const BATCH = 2000;

export async function* exportEvents(orgId: string, filter: EventFilter): AsyncGenerator<AuditEvent[]> {
  let after = 0;
  for (;;) {
    const where = filterToSql(orgId, filter);
    where.params.push(after, BATCH);
    const n = where.params.length;
    const { rows } = await pool().query<EventRow>(
      `select ${EVENT_COLUMNS} from audit_events where ${where.sql} and seq > $${n - 1} order by seq limit $${n}`,
      where.params,
    );
    if (rows.length === 0) return;
    yield rows.map(rowToEvent);
    if (rows.length < BATCH) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

export const CSV_COLUMNS = [
  "id", "seq", "occurred_at", "received_at", "action", "category", "status", "severity", "actor_type", "actor_id",
  "actor_email", "actor_name", "targets", "ip", "user_agent", "location", "request_id", "reason", "changes",
  "metadata", "source", "idempotency_key", "content_hash", "prev_hash", "hash",
] as const;

/**
 * A CSV cell, quoted when needed. Cells a spreadsheet would run as a formula (=, +, -, @,
 * tab, carriage return first) get a leading apostrophe: exports are opened in Excel.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(e: AuditEvent): string {
  const flat: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    id: e.id, seq: e.seq, occurred_at: e.occurred_at, received_at: e.received_at, action: e.action, category: e.category,
    status: e.status, severity: e.severity, actor_type: e.actor?.type, actor_id: e.actor?.id, actor_email: e.actor?.email,
    actor_name: e.actor?.name, targets: e.targets, ip: e.context.ip, user_agent: e.context.user_agent,
    location: e.context.location, request_id: e.context.request_id, reason: e.reason, changes: e.changes,
    metadata: e.metadata, source: e.source, idempotency_key: e.idempotency_key, content_hash: e.content_hash,
    prev_hash: e.prev_hash, hash: e.hash,
  };
  return CSV_COLUMNS.map((c) => csvCell(flat[c])).join(",") + "\r\n";
}

/**
 * The export as a byte stream, pulled by the client: a slow reader slows the database
 * reads instead of filling memory. `onDone` runs once with the count, whether the stream
 * ended or the client went away, before the response completes.
 */
export function exportStream(
  orgId: string,
  filter: EventFilter,
  format: ExportFormat,
  onDone: (records: number, completed: boolean) => Promise<void>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const batches = exportEvents(orgId, filter);
  let records = 0;
  let headerSent = format !== "csv";
  let finished = false;
  const finish = async (completed: boolean) => {
    if (finished) return;
    finished = true;
    await onDone(records, completed);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(CSV_COLUMNS.join(",") + "\r\n"));
          return;
        }
        const next = await batches.next();
        if (next.done) {
          await finish(true);
          controller.close();
          return;
        }
        records += next.value.length;
        const text = format === "csv" ? next.value.map(csvRow).join("") : next.value.map((e) => JSON.stringify(e) + "\n").join("");
        controller.enqueue(encoder.encode(text));
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
