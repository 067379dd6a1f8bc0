/**
 * audit_events' columns, in the one order every read lists them, with the SQL type each is
 * written as. Ingest's insert, every read (search, verification, segments, restore), the
 * export's COPY statement and byte writer, and restore's insert are all built from this list,
 * so a column added here reaches each of them (and a column missing from one is a type error).
 * `search_text` is written but never read back: it is derived from the event.
 */

export const EVENT_COLUMN_TYPES = {
  id: "uuid",
  org_id: "uuid",
  seq: "bigint",
  occurred_at: "timestamptz",
  received_at: "timestamptz",
  action: "text",
  category: "text",
  status: "text",
  severity: "text",
  actor_type: "text",
  actor_id: "text",
  actor_email: "text",
  actor_name: "text",
  targets: "jsonb",
  ip: "inet",
  user_agent: "text",
  location: "text",
  request_id: "text",
  reason: "text",
  changes: "jsonb",
  metadata: "jsonb",
  source: "text",
  idempotency_key: "text",
  content_hash: "text",
  prev_hash: "text",
  hash: "text",
} as const;

export type EventColumn = keyof typeof EVENT_COLUMN_TYPES;
/** A column that is stored: the read columns and the derived search text. */
export type StoredColumn = EventColumn | "search_text";

/** The read columns, in order. */
export const EVENT_COLUMN_NAMES = Object.keys(EVENT_COLUMN_TYPES) as EventColumn[];

/** Each read column's position in a row read with EVENT_COLUMNS (the export's COPY rows are read by these). */
export const COL = Object.fromEntries(EVENT_COLUMN_NAMES.map((c, i) => [c, i])) as { readonly [K in EventColumn]: number };

/** The select list of a read: `ip` as its text without a /32 or /128 (host()), the rest as stored. */
export const EVENT_COLUMNS = EVENT_COLUMN_NAMES.map((c) => (c === "ip" ? "host(ip) as ip" : c)).join(", ");

/** The columns an insert writes, in order: the read columns and the search text. */
export const STORED_COLUMNS: readonly StoredColumn[] = [...EVENT_COLUMN_NAMES, "search_text"];

export const STORED_COLUMN_TYPES: Readonly<Record<StoredColumn, string>> = { ...EVENT_COLUMN_TYPES, search_text: "text" };
