import { VigilError } from "@/lib/errors";
import { parseIpOrCidr } from "@/lib/events/ip";
import { CATEGORIES, STATUSES, type Category, type Status } from "@/lib/events/catalog";
import type { FieldError } from "@/lib/events/schema";

/**
 * The one filter object behind the search page, the API's query parameters, the query
 * language, saved searches and alert rules, and its translation into SQL.
 */

export const PERIODS = { "24h": 24 * 3600_000, "7d": 7 * 24 * 3600_000, "30d": 30 * 24 * 3600_000 } as const;
export type Period = keyof typeof PERIODS;

export interface FilterTerms {
  actor: string[];
  action: string[];
  category: Category[];
  status: Status[];
  ip: string[];
  text: string[];
}

export interface EventFilter extends FilterTerms {
  from?: Date;
  to?: Date;
  not: FilterTerms;
}

export function emptyTerms(): FilterTerms {
  return { actor: [], action: [], category: [], status: [], ip: [], text: [] };
}

export function emptyFilter(): EventFilter {
  return { ...emptyTerms(), not: emptyTerms() };
}

/** A search Vigil can't run as asked: an invalid_request naming every problem, field by field. */
export class FilterError extends VigilError {
  constructor(readonly errors: FieldError[]) {
    super("invalid_request", "invalid search: " + errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  }
}

export const ACTION_FILTER_PATTERN = /^[A-Z0-9_*]{1,100}$/;

/**
 * How much one search may ask for. Every term is one more condition evaluated on each row
 * an org holds, and each `*` one more backtracking point in a LIKE: without a cap a single
 * read key could keep the database busy for everyone (1,000 one-letter terms took 17 s).
 */
export const FILTER_LIMITS = { terms: 32, wildcards: 4, length: 2000 } as const;

function termCount(t: FilterTerms): number {
  return t.actor.length + t.action.length + t.category.length + t.status.length + t.ip.length + t.text.length;
}

function wildcardCount(actions: string[]): number {
  return actions.reduce((n, a) => n + (a.match(/\*/g)?.length ?? 0), 0);
}

/** The limits a filter exceeds, reported at `path` (the parameter the person typed). */
export function filterSizeErrors(f: EventFilter, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const terms = termCount(f) + termCount(f.not);
  if (terms > FILTER_LIMITS.terms) {
    errors.push({ path, message: `has ${terms} terms; at most ${FILTER_LIMITS.terms} terms are allowed in one search` });
  }
  const wildcards = wildcardCount(f.action) + wildcardCount(f.not.action);
  if (wildcards > FILTER_LIMITS.wildcards) {
    errors.push({ path, message: `has ${wildcards} wildcards (*); at most ${FILTER_LIMITS.wildcards} wildcards are allowed in one search` });
  }
  return errors;
}

/** Checks values that came from users (URL, query language) and collects every problem. */
export function validateTerms(terms: FilterTerms, prefix = ""): FieldError[] {
  const errors: FieldError[] = [];
  const p = (name: string) => (prefix ? `${prefix}.${name}` : name);
  for (const ip of terms.ip) {
    if (!parseIpOrCidr(ip)) errors.push({ path: p("ip"), message: `'${ip}' is not an IP address or CIDR range (v4 or v6)` });
  }
  for (const a of terms.action) {
    if (!ACTION_FILTER_PATTERN.test(a)) errors.push({ path: p("action"), message: `'${a}' is not an action (UPPER_SNAKE, * as a wildcard)` });
  }
  for (const c of terms.category) {
    if (!CATEGORIES.includes(c)) errors.push({ path: p("category"), message: `'${c}' is not a category (${CATEGORIES.join(", ")})` });
  }
  for (const s of terms.status) {
    if (!STATUSES.includes(s)) errors.push({ path: p("status"), message: `'${s}' is not a status (${STATUSES.join(", ")})` });
  }
  for (const [name, values] of [["actor", terms.actor], ["text", terms.text]] as const) {
    for (const value of values) {
      if (value.length > 256) errors.push({ path: p(name), message: "is longer than 256 characters" });
      if (value.includes("\u0000") || !value.isWellFormed()) errors.push({ path: p(name), message: "contains characters that are not valid text" });
    }
  }
  return errors;
}

/** What a PostgreSQL timestamptz reads back: years 0001 to 9999 (year 0 and +10000 are errors there). */
const EARLIEST_DATE = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_DATE = Date.parse("9999-12-31T23:59:59.999Z");

export function validateFilter(f: EventFilter): void {
  const errors = [...validateTerms(f), ...validateTerms(f.not, "not")];
  for (const edge of ["from", "to"] as const) {
    const d = f[edge];
    if (d && (Number.isNaN(d.getTime()) || d.getTime() < EARLIEST_DATE || d.getTime() > LATEST_DATE)) {
      errors.push({ path: edge, message: "must be a date between 0001-01-01 and 9999-12-31" });
    }
  }
  if (f.from && f.to && f.from > f.to) errors.push({ path: "from", message: "must not be after 'to'" });
  if (errors.length > 0) throw new FilterError(errors);
}

export function mergeFilters(a: EventFilter, b: EventFilter): EventFilter {
  const merge = (x: FilterTerms, y: FilterTerms): FilterTerms => ({
    actor: [...x.actor, ...y.actor],
    action: [...x.action, ...y.action],
    category: [...x.category, ...y.category],
    status: [...x.status, ...y.status],
    ip: [...x.ip, ...y.ip],
    text: [...x.text, ...y.text],
  });
  const from = a.from && b.from ? (a.from > b.from ? a.from : b.from) : (a.from ?? b.from);
  const to = a.to && b.to ? (a.to < b.to ? a.to : b.to) : (a.to ?? b.to);
  return { ...merge(a, b), from, to, not: merge(a.not, b.not) };
}
