import { FilterError, type EventFilter } from "@/lib/events/filter";
import { parseQuery } from "@/lib/events/query-language";
import { parseSearchQuery, queryToFilter } from "@/lib/events/search-params";
import { searchEvents, type SearchPage } from "@/lib/events/search";
import { QUERY_TOO_EXPENSIVE_MESSAGE, isStatementTimeout } from "@/lib/db/pool";
import { formatQuery } from "@/lib/events/query-language";
import { emptyFilter } from "@/lib/events/filter";
import {
  DEFAULT_PERIOD, PERIOD_CHOICES, emptyControls, errorsByField, queryBarText, splitFilter, withTerms,
  controlTerms, type PeriodChoice, type SearchControls,
} from "@/lib/console/search-form";
import { toLocalInput } from "@/lib/console/time";

/**
 * The search page's server side: reads the URL (the same parameters as the API's GET
 * /api/v1/events), runs the search with lib/events directly, and prepares the form's
 * initial state. Invalid input never throws: it comes back as errors per field.
 */

export const PAGE_SIZE = 50;
const KEYS = ["q", "period", "from", "to", "actor", "category", "action", "ip", "status", "text", "cursor"] as const;

type RawParams = Record<string, string | string[] | undefined>;

export function normalizeParams(raw: RawParams): URLSearchParams {
  const p = new URLSearchParams();
  for (const key of KEYS) {
    const v = raw[key];
    const value = Array.isArray(v) ? v.join(",") : v;
    if (value !== undefined && value !== "") p.set(key, value);
  }
  // A first visit searches the last 7 days; `period=any` is an explicit "any time".
  if (![...p.keys()].some((k) => k !== "cursor")) p.set("period", DEFAULT_PERIOD);
  return p;
}

export function initialControls(p: URLSearchParams, timeZone: string): SearchControls {
  const period = p.get("period");
  const c = emptyControls(p.has("from") || p.has("to") ? "custom" : (PERIOD_CHOICES as readonly string[]).includes(period ?? "") ? (period as PeriodChoice) : "any");
  const local = (v: string | null) => (v && !Number.isNaN(Date.parse(v)) ? toLocalInput(new Date(v), timeZone) : (v ?? ""));
  return {
    ...c,
    from: local(p.get("from")),
    to: local(p.get("to")),
    actor: p.get("actor") ?? "",
    action: p.get("action") ?? "",
    ip: p.get("ip") ?? "",
    category: (p.get("category") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    status: (p.get("status") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    text: p.get("text") ?? "",
  };
}

export interface SearchFormState {
  controls: SearchControls;
  extras: EventFilter;
  queryBar: string;
  /** Problems with the URL's search, by the field they are shown beside. */
  errors: Record<string, string>;
  /** The URL parameters of this search without the cursor, for "next page" and saved searches. */
  baseParams: string;
  cursor: string | null;
}

/** The form's initial state and every problem with the URL's search; runs no query. */
export function searchFormState(raw: RawParams, timeZone: string, now = Date.now()): SearchFormState & { filter?: EventFilter; limitCursor?: string } {
  const p = normalizeParams(raw);
  let controls = initialControls(p, timeZone);
  let extras = emptyFilter();
  let queryBar: string;
  const q = p.get("q") ?? "";
  // A hand-written or shared `q` may hold anything; what a control can show goes there.
  try {
    const parsed = q ? parseQuery(q) : emptyFilter();
    const split = splitFilter(parsed);
    const own = controlTerms(controls);
    controls = withTerms(controls, {
      actor: [...own.actor, ...split.terms.actor], action: [...own.action, ...split.terms.action], ip: [...own.ip, ...split.terms.ip],
      category: [...own.category, ...split.terms.category], status: [...own.status, ...split.terms.status],
      text: [...own.text, ...split.terms.text],
    });
    extras = split.extras;
    if (own.text.length && split.terms.text.length) extras.text = [...split.terms.text, ...extras.text];
    if ((parsed.from || parsed.to) && controls.period !== "custom") {
      controls = { ...controls, period: "custom", from: parsed.from ? toLocalInput(parsed.from, timeZone) : "", to: parsed.to ? toLocalInput(parsed.to, timeZone) : "" };
    }
    queryBar = queryBarText(controls, extras);
  } catch {
    queryBar = [formatQuery({ ...emptyFilter(), ...controlTerms(controls) }), q].filter(Boolean).join(" ");
  }
  const cursor = p.get("cursor");
  const base = new URLSearchParams(p);
  base.delete("cursor");
  const search = new URLSearchParams(p);
  if (search.get("period") === "any") search.delete("period");
  const state = { controls, extras, queryBar, errors: {}, baseParams: base.toString(), cursor };
  try {
    const query = parseSearchQuery(search);
    return { ...state, filter: queryToFilter(query, now), limitCursor: query.cursor };
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return { ...state, errors: errorsByField(err.errors) };
  }
}

/** One page of results for a valid search, newest first. */
export async function runSearch(orgId: string, filter: EventFilter, cursor?: string): Promise<SearchPage | { error: string }> {
  try {
    return await searchEvents(orgId, filter, { limit: PAGE_SIZE, cursor });
  } catch (err) {
    if (err instanceof FilterError) return { error: err.errors.map((e) => `${e.path}: ${e.message}`).join("; ") };
    if (isStatementTimeout(err)) return { error: QUERY_TOO_EXPENSIVE_MESSAGE };
    throw err;
  }
}
