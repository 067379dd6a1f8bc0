import { inferCategory, defaultSeverity, type Source } from "@/lib/events/catalog";
import { EARLIEST_OCCURRED_AT, MAX_EVENT_BYTES, MAX_FUTURE_MS, eventInputSchema, zodErrors, type EventInput, type FieldError } from "@/lib/events/schema";
import type { AuditEvent, EventContent, EventTarget } from "@/lib/events/types";

/**
 * An event that passed validation and waits for its place in the chain: everything but
 * id, seq and the hashes, already in the exact form that will be stored and returned.
 */
export type EventDraft = Omit<EventContent, "id" | "org_id" | "seq">;

export type DraftResult = { ok: true; draft: EventDraft } | { ok: false; errors: FieldError[] };

/** An object's own entries without the ones whose value is null. */
function dropNulls(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/**
 * `null` for an optional field means absent, as the API itself returns absent fields: top-level
 * fields, the actor's and the context's, a target's name. Values inside metadata and a change's
 * before/after are data, where null stays null. Copies are made entry by entry with
 * Object.fromEntries, which keeps an own "__proto__" key an own key.
 */
export function nullsAsAbsent(input: unknown): unknown {
  if (!input || typeof input !== "object" || Array.isArray(input)) return input;
  const event = dropNulls(input) as Record<string, unknown>;
  if ("actor" in event) event.actor = dropNulls(event.actor);
  if ("context" in event) event.context = dropNulls(event.context);
  if (Array.isArray(event.targets)) event.targets = event.targets.map(dropNulls);
  return event;
}

export function toDraft(raw: unknown, source: Source, now = Date.now()): DraftResult {
  const input = nullsAsAbsent(raw);
  const parsed = eventInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error) };
  const e: EventInput = parsed.data;
  const errors: FieldError[] = [];

  let occurredAt = now;
  if (e.occurred_at !== undefined) {
    occurredAt = Date.parse(e.occurred_at);
    // Stored to the millisecond (timestamptz(3)): finer digits would be dropped, so they are refused.
    if (/\.\d{3}\d*[1-9]/.test(e.occurred_at)) {
      errors.push({ path: "occurred_at", message: "has digits below the millisecond, which Vigil can't keep: send at most 3 fractional digits" });
    }
    if (occurredAt > now + MAX_FUTURE_MS) errors.push({ path: "occurred_at", message: "must not be more than 5 minutes in the future" });
    if (occurredAt < EARLIEST_OCCURRED_AT) errors.push({ path: "occurred_at", message: "must not be before 2000-01-01" });
  }
  const category = e.category ?? inferCategory(e.action);
  if (!category) {
    errors.push({ path: "category", message: `is required: ${e.action} is not in the event catalog, so its category can't be inferred` });
  }
  const size = Buffer.byteLength(JSON.stringify(input));
  if (size > MAX_EVENT_BYTES) errors.push({ path: "(event)", message: `is ${size} bytes; at most ${MAX_EVENT_BYTES} bytes per event` });
  if (errors.length > 0 || !category) return { ok: false, errors };

  const status = e.status ?? "success";
  const actor = e.actor && Object.values(e.actor).some((v) => v !== undefined)
    ? { type: e.actor.type ?? null, id: e.actor.id ?? null, email: e.actor.email?.toLowerCase() ?? null, name: e.actor.name ?? null }
    : null;
  const draft: EventDraft = {
    occurred_at: new Date(occurredAt).toISOString(),
    action: e.action,
    category,
    status,
    severity: e.severity ?? defaultSeverity(e.action, category, status),
    actor,
    targets: (e.targets ?? []).map((t): EventTarget => ({ type: t.type, id: t.id, name: t.name ?? null })),
    context: {
      ip: e.context?.ip ?? null,
      user_agent: e.context?.user_agent ?? null,
      location: e.context?.location ?? null,
      request_id: e.context?.request_id ?? null,
    },
    reason: e.reason ?? null,
    changes: (e.changes ?? []).map((c) => ({ field: c.field, before: c.before ?? null, after: c.after ?? null })),
    // The raw object, not zod's copy: a copy assigned key by key turns an own "__proto__"
    // key into a prototype, silently dropping what the integrator sent.
    metadata: ((input as { metadata?: Record<string, unknown> }).metadata ?? {}),
    source,
    idempotency_key: e.idempotency_key ?? null,
  };
  return { ok: true, draft };
}

/** What free text searches: lower-cased, compact, never the whole metadata document. */
export function searchTextOf(d: EventDraft): string {
  const parts: string[] = [d.action];
  if (d.actor) parts.push(d.actor.email ?? "", d.actor.name ?? "", d.actor.id ?? "");
  for (const t of d.targets) parts.push(t.type, t.id, t.name ?? "");
  if (d.reason) parts.push(d.reason);
  if (d.context.location) parts.push(d.context.location);
  for (const c of d.changes) parts.push(c.field);
  for (const value of Object.values(d.metadata)) {
    if (typeof value === "string" || typeof value === "number") parts.push(String(value));
  }
  return parts.filter(Boolean).join(" ").toLowerCase().slice(0, 2000);
}

/** The stored row of audit_events, as node-postgres returns it. */
export interface EventRow {
  id: string;
  org_id: string;
  seq: number;
  occurred_at: Date;
  received_at: Date;
  action: string;
  category: AuditEvent["category"];
  status: AuditEvent["status"];
  severity: AuditEvent["severity"];
  actor_type: string | null;
  actor_id: string | null;
  actor_email: string | null;
  actor_name: string | null;
  targets: EventTarget[];
  ip: string | null;
  user_agent: string | null;
  location: string | null;
  request_id: string | null;
  reason: string | null;
  changes: AuditEvent["changes"];
  metadata: AuditEvent["metadata"];
  source: AuditEvent["source"];
  idempotency_key: string | null;
  content_hash: string;
  prev_hash: string;
  hash: string;
}

export { EVENT_COLUMNS } from "@/lib/events/columns";
import type { EventColumn } from "@/lib/events/columns";

/** rowToEvent's inverse: an event (as the API and exports give it) as the values of its read columns, JSON as text. */
export function eventToColumns(e: AuditEvent): Record<EventColumn, unknown> {
  return {
    id: e.id, org_id: e.org_id, seq: e.seq, occurred_at: e.occurred_at, received_at: e.received_at, action: e.action,
    category: e.category, status: e.status, severity: e.severity, actor_type: e.actor?.type ?? null, actor_id: e.actor?.id ?? null,
    actor_email: e.actor?.email ?? null, actor_name: e.actor?.name ?? null, targets: JSON.stringify(e.targets), ip: e.context.ip,
    user_agent: e.context.user_agent, location: e.context.location, request_id: e.context.request_id, reason: e.reason,
    changes: JSON.stringify(e.changes), metadata: JSON.stringify(e.metadata), source: e.source, idempotency_key: e.idempotency_key,
    content_hash: e.content_hash, prev_hash: e.prev_hash, hash: e.hash,
  };
}

export function rowToEvent(r: EventRow): AuditEvent {
  const hasActor = r.actor_type !== null || r.actor_id !== null || r.actor_email !== null || r.actor_name !== null;
  return {
    id: r.id,
    org_id: r.org_id,
    seq: Number(r.seq),
    occurred_at: r.occurred_at.toISOString(),
    received_at: r.received_at.toISOString(),
    action: r.action,
    category: r.category,
    status: r.status,
    severity: r.severity,
    actor: hasActor ? { type: r.actor_type, id: r.actor_id, email: r.actor_email, name: r.actor_name } : null,
    targets: r.targets,
    context: { ip: r.ip, user_agent: r.user_agent, location: r.location, request_id: r.request_id },
    reason: r.reason,
    changes: r.changes,
    metadata: r.metadata,
    source: r.source,
    idempotency_key: r.idempotency_key,
    content_hash: r.content_hash,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}
