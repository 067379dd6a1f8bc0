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

/**
 * The API's JSON of an event, built by PostgreSQL: NDJSON exports then cost Node a copy of
 * bytes per row instead of parsing three jsonb columns and serializing the event again.
 * Same fields and values as rowToEvent (key order and spacing differ, which neither JSON
 * readers nor the content hash — RFC 8785 sorts keys — care about).
 */
const EVENT_JSON = `json_build_object(
  'id', id, 'org_id', org_id, 'seq', seq,
  'occurred_at', to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'received_at', to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'action', action, 'category', category, 'status', status, 'severity', severity,
  'actor', case when actor_type is null and actor_id is null and actor_email is null and actor_name is null then null
    else json_build_object('type', actor_type, 'id', actor_id, 'email', actor_email, 'name', actor_name) end,
  'targets', targets,
  'context', json_build_object('ip', host(ip), 'user_agent', user_agent, 'location', location, 'request_id', request_id),
  'reason', reason, 'changes', changes, 'metadata', metadata, 'source', source, 'idempotency_key', idempotency_key,
  'content_hash', content_hash, 'prev_hash', prev_hash, 'hash', hash)::text`;

/** NDJSON of the filter in seq order, in keyset batches: each item is a batch's text and its row count. */
export async function* exportNdjson(orgId: string, filter: EventFilter): AsyncGenerator<{ text: string; count: number }> {
  let after = 0;
  for (;;) {
    const where = filterToSql(orgId, filter);
    where.params.push(after, BATCH);
    const n = where.params.length;
    const { rows } = await pool().query<{ seq: number; line: string }>(
      // The JSON is built over the batch only: in one query level PostgreSQL would build it
      // for every matching row before sorting and limiting.
      `select seq, ${EVENT_JSON} as line
         from (select * from audit_events where ${where.sql} and seq > $${n - 1} order by seq limit $${n}) as batch
        order by seq`,
      where.params,
    );
    if (rows.length === 0) return;
    let text = "";
    for (const r of rows) text += r.line + "\n";
    yield { text, count: rows.length };
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
  const batches = format === "csv"
    ? (async function* () {
        for await (const events of exportEvents(orgId, filter)) yield { text: events.map(csvRow).join(""), count: events.length };
      })()
    : exportNdjson(orgId, filter);
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
        records += next.value.count;
        controller.enqueue(encoder.encode(next.value.text));
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
