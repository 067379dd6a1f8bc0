import { parseIpOrCidr } from "@/lib/events/ip";
import type { EventFilter, FilterTerms } from "@/lib/events/filter";

/**
 * A validated filter (lib/events/filter.ts) as SQL: server-only, apart from the filter
 * itself, which the console's search form also uses in the browser.
 */

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => "\\" + c);
}

/** A SQL condition with its parameters, numbered from `start`. */
export interface SqlWhere {
  sql: string;
  params: unknown[];
}

class SqlBuilder {
  readonly parts: string[] = [];
  constructor(readonly params: unknown[]) {}
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

function termConditions(b: SqlBuilder, t: FilterTerms): string[] {
  const conds: string[] = [];
  const anyOf = (items: string[]) => (items.length === 1 ? items[0]! : `(${items.join(" or ")})`);
  if (t.actor.length) {
    conds.push(anyOf(t.actor.map((a) => (a.includes("@") ? `actor_email = ${b.param(a.toLowerCase())}` : `actor_id = ${b.param(a)}`))));
  }
  if (t.action.length) {
    conds.push(anyOf(t.action.map((a) => (a.includes("*")
      ? `action like ${b.param(likeEscape(a).replace(/\*/g, "%"))}`
      : `action = ${b.param(a)}`))));
  }
  if (t.category.length) conds.push(t.category.length === 1 ? `category = ${b.param(t.category[0])}` : `category = any(${b.param(t.category)}::text[])`);
  if (t.status.length) conds.push(t.status.length === 1 ? `status = ${b.param(t.status[0])}` : `status = any(${b.param(t.status)}::text[])`);
  if (t.ip.length) {
    conds.push(anyOf(t.ip.map((raw) => {
      const ip = parseIpOrCidr(raw)!;
      return ip.kind === "cidr" ? `ip <<= ${b.param(ip.text)}::inet` : `ip = ${b.param(ip.text)}::inet`;
    })));
  }
  for (const text of t.text) conds.push(`search_text like ${b.param(`%${likeEscape(text.toLowerCase())}%`)}`);
  return conds;
}

/** WHERE conditions for a validated filter, always scoped to the org first. */
export function filterToSql(orgId: string, f: EventFilter, params: unknown[] = []): SqlWhere {
  const b = new SqlBuilder(params);
  const conds = [`org_id = ${b.param(orgId)}::uuid`];
  if (f.from) conds.push(`occurred_at >= ${b.param(f.from.toISOString())}::timestamptz`);
  if (f.to) conds.push(`occurred_at <= ${b.param(f.to.toISOString())}::timestamptz`);
  conds.push(...termConditions(b, f));
  for (const c of termConditions(b, f.not)) conds.push(`not coalesce(${c}, false)`);
  return { sql: conds.join(" and "), params: b.params };
}
