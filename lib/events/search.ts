import { isUuid } from "@/lib/uuid";
import { readPool } from "@/lib/db/pool";
import { FilterError, type EventFilter } from "@/lib/events/filter";
import { filterToSql } from "@/lib/events/filter-sql";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import type { AuditEvent } from "@/lib/events/types";

/**
 * Newest-first search with keyset pagination on (occurred_at, id): page 100 costs what
 * page 1 costs, and nothing ever counts the whole result.
 */

export interface SearchPage {
  data: AuditEvent[];
  next_cursor: string | null;
}


export function encodeCursor(e: { occurred_at: string; id: string }): string {
  return Buffer.from(JSON.stringify([e.occurred_at, e.id])).toString("base64url");
}

const ISO_MS = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(cursor: string): { occurredAt: string; id: string } {
  try {
    const [occurredAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    // Exactly what encodeCursor writes: anything looser reaches PostgreSQL's casts and fails there.
    if (typeof occurredAt !== "string" || !ISO_MS.test(occurredAt) || new Date(occurredAt).toISOString() !== occurredAt) throw new Error();
    if (typeof id !== "string" || !isUuid(id)) throw new Error();
    return { occurredAt, id };
  } catch {
    throw new FilterError([{ path: "cursor", message: "is not a cursor returned by this API" }]);
  }
}

export async function searchEvents(orgId: string, filter: EventFilter, opts: { limit: number; cursor?: string }): Promise<SearchPage> {
  const where = filterToSql(orgId, filter);
  const params = where.params;
  let sql = `select ${EVENT_COLUMNS} from audit_events where ${where.sql}`;
  if (opts.cursor) {
    const c = decodeCursor(opts.cursor);
    params.push(c.occurredAt, c.id);
    sql += ` and (occurred_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(opts.limit + 1);
  sql += ` order by occurred_at desc, id desc limit $${params.length}`;
  const { rows } = await readPool().query<EventRow>(sql, params);
  const data = rows.slice(0, opts.limit).map(rowToEvent);
  const last = data[data.length - 1];
  return { data, next_cursor: rows.length > opts.limit && last ? encodeCursor(last) : null };
}

/** One event of the org, or undefined: a foreign id looks exactly like a missing one. */
export async function getEvent(orgId: string, id: string): Promise<AuditEvent | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await readPool().query<EventRow>(`select ${EVENT_COLUMNS} from audit_events where org_id = $1 and id = $2`, [orgId, id]);
  return rows[0] ? rowToEvent(rows[0]) : undefined;
}

/** The event just before `seq` in the org's chain, for verifying one link. */
export async function getEventBySeq(orgId: string, seq: number): Promise<AuditEvent | undefined> {
  const { rows } = await readPool().query<EventRow>(`select ${EVENT_COLUMNS} from audit_events where org_id = $1 and seq = $2`, [orgId, seq]);
  return rows[0] ? rowToEvent(rows[0]) : undefined;
}
