import { CATEGORIES, STATUSES, type Category, type Status } from "@/lib/events/catalog";
import { emptyFilter, emptyTerms, mergeFilters, validateTerms, type EventFilter, type FilterTerms } from "@/lib/events/filter";
import { formatQuery, parseQuery } from "@/lib/events/query-language";
import type { FieldError } from "@/lib/events/schema";

/**
 * The search page's form: the filter controls and the query bar are two views of one
 * filter (DESIGN.md). Pure functions, used by the server page and the client form alike.
 *
 * In the URL each control has its own parameter (the same names as the API's), and `q`
 * holds only what no control can show (negations, further free text). The query bar shows
 * the whole filter as query-language text; the period lives in its own control.
 */

export const PERIOD_CHOICES = ["24h", "7d", "30d", "any", "custom"] as const;
export type PeriodChoice = (typeof PERIOD_CHOICES)[number];
export const DEFAULT_PERIOD: PeriodChoice = "7d";

export const CATEGORY_LABELS: Record<Category, string> = {
  authentication: "Authentication",
  data: "Data changes",
  export: "Exports",
  settings: "Settings",
  integration: "Integrations",
};

export interface SearchControls {
  period: PeriodChoice;
  /** Custom range, as `datetime-local` values in the viewer's time zone. */
  from: string;
  to: string;
  actor: string;
  action: string;
  ip: string;
  category: string[];
  status: string[];
  text: string;
}

export const CONTROL_FIELDS = ["actor", "action", "ip", "category", "status", "text"] as const;

export function emptyControls(period: PeriodChoice = "any"): SearchControls {
  return { period, from: "", to: "", actor: "", action: "", ip: "", category: [], status: [], text: "" };
}

const list = (s: string) => s.split(",").map((v) => v.trim()).filter(Boolean);

/** The terms the controls hold (not validated). */
export function controlTerms(c: SearchControls): FilterTerms {
  return {
    actor: list(c.actor),
    action: list(c.action).map((a) => a.toUpperCase()),
    ip: list(c.ip),
    category: c.category.filter((v): v is Category => (CATEGORIES as readonly string[]).includes(v)),
    status: c.status.filter((v): v is Status => (STATUSES as readonly string[]).includes(v)),
    text: c.text.trim() ? [c.text.trim()] : [],
  };
}

/** Problems with the controls' own values, by control name, before anything is sent. */
export function controlErrors(c: SearchControls): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of validateTerms(controlTerms(c))) out[e.path] ??= e.message;
  if (c.period === "custom") {
    if (c.from && Number.isNaN(Date.parse(c.from))) out.from = "is not a date and time";
    if (c.to && Number.isNaN(Date.parse(c.to))) out.to = "is not a date and time";
    if (!out.from && !out.to && c.from && c.to && Date.parse(c.from) > Date.parse(c.to)) out.from = "must not be after 'to'";
  }
  return out;
}

/** Splits a parsed filter: what the controls can hold, and the rest (the `q` of the URL). */
export function splitFilter(f: EventFilter): { terms: FilterTerms; extras: EventFilter } {
  const extras = emptyFilter();
  extras.not = f.not;
  extras.text = f.text.slice(1);
  return { terms: { actor: f.actor, action: f.action, ip: f.ip, category: f.category, status: f.status, text: f.text.slice(0, 1) }, extras };
}

export function withTerms(c: SearchControls, terms: FilterTerms): SearchControls {
  return {
    ...c,
    actor: terms.actor.join(", "),
    action: terms.action.join(", "),
    ip: terms.ip.join(", "),
    category: [...terms.category],
    status: [...terms.status],
    text: terms.text[0] ?? "",
  };
}

/** The query bar's text: every term of the filter except the time range. */
export function queryBarText(c: SearchControls, extras: EventFilter): string {
  const f = mergeFilters({ ...emptyFilter(), ...controlTerms(c) }, { ...extras, from: undefined, to: undefined });
  return formatQuery({ ...f, from: undefined, to: undefined });
}

export type QueryBarParse =
  | { ok: true; controls: SearchControls; extras: EventFilter }
  | { ok: false; errors: FieldError[] };

/**
 * Reads what was typed in the query bar into the controls. A `created:` range moves into
 * the custom period (as local times, through `toLocal`).
 */
export function parseQueryBar(text: string, current: SearchControls, toLocal: (d: Date) => string): QueryBarParse {
  let filter: EventFilter;
  try {
    filter = parseQuery(text);
  } catch (err) {
    const errors = (err as { errors?: FieldError[] }).errors;
    return { ok: false, errors: errors ?? [{ path: "q", message: "could not be read" }] };
  }
  const { terms, extras } = splitFilter(filter);
  let controls = withTerms(current, terms);
  if (filter.from || filter.to) {
    controls = { ...controls, period: "custom", from: filter.from ? toLocal(filter.from) : "", to: filter.to ? toLocal(filter.to) : "" };
  }
  return { ok: true, controls, extras };
}

/**
 * The URL of a search. `toIso` turns a custom-range local time into an ISO instant (the
 * browser's zone on the client).
 */
export function searchUrlParams(c: SearchControls, extras: EventFilter | string, toIso: (local: string) => string): URLSearchParams {
  const p = new URLSearchParams();
  if (c.period === "custom") {
    if (c.from) p.set("from", toIso(c.from));
    if (c.to) p.set("to", toIso(c.to));
    if (!c.from && !c.to) p.set("period", "any");
  } else {
    p.set("period", c.period);
  }
  if (typeof extras === "string") {
    // The query bar could not be read: send it as typed, and let the server explain.
    if (extras.trim()) p.set("q", extras.trim());
    return p;
  }
  const terms = controlTerms(c);
  for (const key of ["actor", "action", "ip", "category", "status"] as const) if (terms[key].length) p.set(key, terms[key].join(","));
  if (terms.text[0]) p.set("text", terms.text[0]);
  const q = formatQuery({ ...extras, ...emptyTerms(), text: extras.text, not: extras.not, from: undefined, to: undefined });
  if (q) p.set("q", q);
  return p;
}

/** Where a server-side FilterError path is shown: beside a control, or under the query bar. */
export function errorField(path: string): string {
  if (path === "q" || path.startsWith("q.") || path.startsWith("not.")) return "q";
  if ((CONTROL_FIELDS as readonly string[]).includes(path) || path === "from" || path === "to" || path === "period") return path;
  return "q";
}

export function errorsByField(errors: FieldError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const field = errorField(e.path);
    const prefix = field === "q" && e.path.startsWith("q.") ? `${e.path.slice(2)}: ` : "";
    out[field] = out[field] ? `${out[field]}; ${prefix}${e.message}` : `${prefix}${e.message}`;
  }
  return out;
}
