import { COL, EVENT_COLUMN_NAMES } from "@/lib/events/columns";
import { eventToColumns } from "@/lib/events/record";
import type { AuditEvent } from "@/lib/events/types";

/**
 * How an export writes CSV, with no database in sight: the export's fast path writes rows
 * from COPY output (lib/events/export.ts), and `vigil verify` of a CSV export's ZIP renders
 * the proven NDJSON events with csvLineOfEvent and compares the bytes with its events.csv.
 */

/** A CSV export's columns: the event's columns but the org (one export is one org's). */
export const CSV_COLUMNS = EVENT_COLUMN_NAMES.filter((c) => c !== "org_id");

/** The header line. */
export const CSV_HEADER = CSV_COLUMNS.join(",") + "\r\n";

/** Columns holding JSON (targets, changes, metadata): compact in CSV, as JSON.stringify writes it. */
const JSON_COLUMNS: ReadonlySet<string> = new Set(["targets", "changes", "metadata"]);
const TIME_COLUMNS: ReadonlySet<string> = new Set(["occurred_at", "received_at"]);
/** How each CSV column is read from a COPY row: its position, and whether it is a time or JSON. */
export const CSV_CELLS = CSV_COLUMNS.map((name) => ({ name, at: COL[name], kind: TIME_COLUMNS.has(name) ? "time" : JSON_COLUMNS.has(name) ? "json" : "text" }));

/**
 * A CSV cell, quoted when needed. Text cells a spreadsheet would run as a formula (=, +, -,
 * @, tab, carriage return first) get a leading apostrophe: exports are opened in Excel.
 * JSON cells (objects and arrays) start with { or [ and are left as they are.
 */
export function csvCell(value: unknown, isJson = false): string {
  if (value === null || value === undefined) return "";
  let s = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  if (typeof value === "string" && !isJson && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** "2026-11-26 03:15:52.12+00" (UTC session) → "2026-11-26T03:15:52.120Z", like Date#toISOString. */
export function isoFromPg(ts: string): string {
  const dot = ts.indexOf(".", 19);
  const ms = dot === -1 ? "000" : (ts.slice(dot + 1, ts.indexOf("+", dot)) + "00").slice(0, 3);
  return `${ts.slice(0, 10)}T${ts.slice(11, 19)}.${ms}Z`;
}

/** The CSV row of an event as the API exports it (its JSON columns compact, as JSON.stringify writes them). */
export function csvLineOfEvent(e: AuditEvent): string {
  const cols = eventToColumns(e) as Record<string, unknown>;
  let line = "";
  for (let i = 0; i < CSV_CELLS.length; i++) {
    const { name, kind } = CSV_CELLS[i]!;
    if (i > 0) line += ",";
    const v = cols[name];
    line += kind === "time" ? String(v) : kind === "json" ? csvCell(v, true) : csvCell(v);
  }
  return line + "\r\n";
}
