import { recordEvent } from "@/lib/events/ingest";
import { formatQuery } from "@/lib/events/query-language";
import type { EventFilter } from "@/lib/events/filter";
import type { AuditEvent } from "@/lib/events/types";
import { eventBody } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";

/**
 * Reads in the console, recorded only where the org's policy asks for it
 * (`organizations.record_reads`): opening an event is EVENT_VIEWED, running a search is
 * EVENTS_SEARCHED (category data, like every *_VIEWED of the catalog). Exports are always
 * recorded (DATA_EXPORTED), whatever the policy.
 *
 * A read is recorded whenever data is rendered to a person, whatever the request's headers:
 * a header (Next-Action, a prefetch hint) is the client's say, so it can't waive the record.
 *
 * The write is awaited before the page renders: it is one small event through the org's
 * group-commit queue (a few milliseconds), and a read the policy says must be recorded is
 * not shown when its record can't be written — the same rule as for the console's changes.
 */

/** Who reads, and the policy of the org they read in: a ConsoleSession fits. */
export interface Reader {
  org: { id: string; recordReads: boolean };
  actor: PersonActor;
}

/** Long hand-written searches are cut, so the event always stays within the ingest limits. */
const MAX_TEXT = 2000;
// toWellFormed: a cut through a surrogate pair would leave text the trail refuses.
const cut = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1).toWellFormed()}…` : s);

/** Records that the reader opened one event. Answers whether anything was recorded. */
export async function recordEventViewed(reader: Reader, event: Pick<AuditEvent, "id" | "seq" | "action">): Promise<boolean> {
  if (!reader.org.recordReads) return false;
  await recordEvent(reader.org.id, eventBody(reader.actor, {
    action: "EVENT_VIEWED",
    category: "data",
    targets: [{ type: "audit_event", id: event.id, name: event.action }],
    metadata: { event_action: event.action, event_seq: event.seq },
  }), "console");
  return true;
}

export interface SearchRead {
  filter: EventFilter;
  /** The search page's URL parameters (without the cursor), as the person can open it again. */
  params: string;
  /** Events on the first page of results (at most a page's size). */
  results: number;
  /** Whether older events matched beyond the first page. */
  more: boolean;
}

/**
 * Records that the reader ran a search. Only the first page counts: loading older pages of
 * the same search is not a new search (the caller passes only cursor-less renders).
 */
export async function recordEventsSearched(reader: Reader, search: SearchRead): Promise<boolean> {
  if (!reader.org.recordReads) return false;
  await recordEvent(reader.org.id, eventBody(reader.actor, {
    action: "EVENTS_SEARCHED",
    category: "data",
    targets: [{ type: "audit_log", id: reader.org.id, name: "Audit events" }],
    metadata: { filter: cut(formatQuery(search.filter)), params: cut(search.params), results: search.results, more: search.more },
  }), "console");
  return true;
}
