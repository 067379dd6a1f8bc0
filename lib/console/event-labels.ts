import type { AuditEvent, EventActor, EventTarget } from "@/lib/events/types";

/** Short labels for an event's parts, as the results table and the detail show them. */

export function actorLabel(actor: EventActor | null): string {
  if (!actor) return "—";
  return actor.email ?? actor.name ?? actor.id ?? actor.type ?? "—";
}

/** The search term that finds this actor's events. */
export function actorTerm(actor: EventActor | null): string | undefined {
  if (!actor) return undefined;
  return actor.email ?? actor.id ?? undefined;
}

export function targetLabel(t: EventTarget): string {
  return t.name ? `${t.name} (#${t.id})` : `${t.type} #${t.id}`;
}

export function titleCase(s: string): string {
  return s.replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

/** "/events?q=…" for one query-language term, quoting it when needed. */
export function searchHref(key: "actor" | "ip" | "action" | "text", value: string): string {
  const needsQuotes = /[\s"]/.test(value);
  const v = needsQuotes ? `"${value.replace(/[\\"]/g, (c) => "\\" + c)}"` : value;
  return `/events?${new URLSearchParams({ period: "any", q: `${key}:${v}` }).toString()}`;
}

export function eventSummaryTargets(e: AuditEvent): string {
  if (e.targets.length === 0) return "—";
  const first = targetLabel(e.targets[0]!);
  return e.targets.length > 1 ? `${first} +${e.targets.length - 1}` : first;
}
