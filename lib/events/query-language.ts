import { emptyFilter, FILTER_LIMITS, FilterError, validateFilter, type EventFilter, type FilterTerms } from "@/lib/events/filter";
import type { FieldError } from "@/lib/events/schema";

/**
 * The query language of DESIGN.md:
 *
 *   actor:john@company.com action:CONTACT_* category:export status:failed
 *   ip:203.0.113.0/24 created:>=2025-01-01 created:2025-01-01..2025-01-31 -action:LOGOUT "free text"
 *
 * Qualifiers of one kind are OR-ed, different kinds AND-ed, a leading `-` negates. Bare
 * words and quoted phrases are free text. Dates without a time are whole UTC days.
 */

export const QUALIFIERS = ["actor", "action", "category", "status", "ip", "created", "text"] as const;
type Qualifier = (typeof QUALIFIERS)[number];

interface Token {
  negated: boolean;
  key?: string;
  value: string;
  quoted: boolean;
}

function tokenize(q: string, errors: FieldError[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = q.length;
  while (i < n) {
    while (i < n && /\s/.test(q[i]!)) i++;
    if (i >= n) break;
    let negated = false;
    if (q[i] === "-" && i + 1 < n && !/\s/.test(q[i + 1]!)) {
      negated = true;
      i++;
    }
    let key: string | undefined;
    const keyMatch = /^([a-zA-Z_]+):/.exec(q.slice(i));
    if (keyMatch) {
      key = keyMatch[1]!.toLowerCase();
      i += keyMatch[0].length;
    }
    let value = "";
    let quoted = false;
    if (q[i] === '"') {
      quoted = true;
      // Inside quotes, \" is a quote and \\ a backslash; any other backslash is itself.
      const open = i;
      let closed = false;
      i++;
      while (i < n) {
        const c = q[i]!;
        if (c === "\\" && (q[i + 1] === '"' || q[i + 1] === "\\")) {
          value += q[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) errors.push({ path: "q", message: `unterminated quote at position ${open + 1}` });
    } else {
      const start = i;
      while (i < n && !/\s/.test(q[i]!)) i++;
      value = q.slice(start, i);
    }
    tokens.push({ negated, key, value, quoted });
  }
  return tokens;
}

/** A date (a whole UTC day) or a date-time; a date-time without a zone is UTC. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function parseDate(value: string, edge: "start" | "end"): Date | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  // Date.parse rolls 2025-02-30 over to March 2: check the calendar day exists.
  const day = new Date(0);
  day.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  if (h === undefined) return new Date(edge === "start" ? day.getTime() : day.getTime() + 24 * 3600_000 - 1);
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  const offset = !zone || zone.toUpperCase() === "Z" ? "Z" : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? "00"}.${(frac ?? "").padEnd(3, "0").slice(0, 3)}${offset}`);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function applyCreated(filter: EventFilter, value: string, errors: FieldError[]): void {
  const bad = (): void => void errors.push({ path: "q.created", message: `'${value}' is not a date, a comparison (>=2025-01-01) or a range (2025-01-01..2025-01-31)` });
  const range = value.split("..");
  if (range.length === 2) {
    const from = range[0] ? parseDate(range[0], "start") : undefined;
    const to = range[1] ? parseDate(range[1], "end") : undefined;
    if ((range[0] && !from) || (range[1] && !to) || (!from && !to)) return bad();
    if (from) filter.from = from;
    if (to) filter.to = to;
    return;
  }
  const cmp = /^(>=|<=|>|<)?(.+)$/.exec(value);
  if (!cmp) return bad();
  const [, op, rest] = cmp;
  const edge = op === "<=" || op === ">" ? "end" : "start";
  const date = parseDate(rest!, edge);
  if (!date) return bad();
  switch (op) {
    case ">=": filter.from = date; break;
    case ">": filter.from = new Date(date.getTime() + 1); break;
    case "<=": filter.to = date; break;
    case "<": filter.to = new Date(date.getTime() - 1); break;
    default:
      filter.from = parseDate(rest!, "start");
      filter.to = parseDate(rest!, "end");
  }
}

/**
 * The size limits of FILTER_LIMITS, checked on the tokens before any of them is read, so an
 * oversized query costs one pass over its text and is answered with the limit, not with an
 * error per term.
 */
function checkQuerySize(tokens: Token[]): void {
  const errors: FieldError[] = [];
  if (tokens.length > FILTER_LIMITS.terms) {
    errors.push({ path: "q", message: `has ${tokens.length} terms; at most ${FILTER_LIMITS.terms} terms are allowed in one search` });
  }
  const wildcards = tokens.reduce((n, t) => n + (t.key === "action" ? (t.value.match(/\*/g)?.length ?? 0) : 0), 0);
  if (wildcards > FILTER_LIMITS.wildcards) {
    errors.push({ path: "q", message: `has ${wildcards} wildcards (*); at most ${FILTER_LIMITS.wildcards} wildcards are allowed in one search` });
  }
  if (errors.length > 0) throw new FilterError(errors);
}

/** Parses the query language into a filter; throws FilterError naming every problem. */
export function parseQuery(q: string): EventFilter {
  const errors: FieldError[] = [];
  const filter = emptyFilter();
  if (q.length > FILTER_LIMITS.length) throw new FilterError([{ path: "q", message: `is longer than ${FILTER_LIMITS.length} characters` }]);
  const tokens = tokenize(q, errors);
  checkQuerySize(tokens);
  for (const token of tokens) {
    const terms: FilterTerms = token.negated ? filter.not : filter;
    if (token.key === undefined) {
      if (token.value) terms.text.push(token.value);
      continue;
    }
    if (!(QUALIFIERS as readonly string[]).includes(token.key)) {
      errors.push({ path: "q", message: `unknown qualifier '${token.key}:' (known: ${QUALIFIERS.join(", ")}); quote the text to search for it` });
      continue;
    }
    const key = token.key as Qualifier;
    if (!token.value) {
      errors.push({ path: `q.${key}`, message: `${key}: needs a value` });
      continue;
    }
    switch (key) {
      case "created":
        if (token.negated) errors.push({ path: "q.created", message: "created: can't be negated; use a range" });
        else applyCreated(filter, token.value, errors);
        break;
      case "action": terms.action.push(token.value.toUpperCase()); break;
      case "category": terms.category.push(token.value.toLowerCase() as FilterTerms["category"][number]); break;
      case "status": terms.status.push(token.value.toLowerCase() as FilterTerms["status"][number]); break;
      default: terms[key].push(token.value);
    }
  }
  try {
    validateFilter(filter);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    errors.push(...err.errors.map((e) => ({ ...e, path: `q.${e.path.replace(/^not\./, "")}` })));
  }
  // Every problem at once: the syntax and the values.
  if (errors.length > 0) throw new FilterError(errors);
  return filter;
}

/**
 * A value as the tokenizer will read it back. Bare free text must also be quoted when it
 * would read as a qualifier (`a:b`) or a negation (`-x`).
 */
function quote(value: string, bare = false): string {
  const needs = value === "" || /[\s"]/.test(value) || (bare && (value.includes(":") || value.startsWith("-")));
  return needs ? `"${value.replace(/[\\"]/g, (c) => "\\" + c)}"` : value;
}

/** Writes a filter back as query-language text: the search bar and the controls are two views of it. */
export function formatQuery(f: EventFilter): string {
  const parts: string[] = [];
  const emit = (terms: FilterTerms, sign: string) => {
    for (const key of ["actor", "action", "category", "status", "ip"] as const) {
      for (const v of terms[key]) parts.push(`${sign}${key}:${quote(v)}`);
    }
    for (const t of terms.text) parts.push(sign ? `${sign}text:${quote(t)}` : quote(t, true));
  };
  emit(f, "");
  const day = (d: Date) => d.toISOString();
  if (f.from && f.to) parts.push(`created:${day(f.from)}..${day(f.to)}`);
  else if (f.from) parts.push(`created:>=${day(f.from)}`);
  else if (f.to) parts.push(`created:<=${day(f.to)}`);
  emit(f.not, "-");
  return parts.join(" ");
}
