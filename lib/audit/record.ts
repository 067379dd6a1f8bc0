import type pg from "pg";
import { appendEvents, inAppendTransaction } from "@/lib/events/ingest";
import { toDraft } from "@/lib/events/record";
import type { Source } from "@/lib/events/catalog";
import { maskChanges, maskDeep, type Change } from "@/lib/audit/mask";
import { actorFields, actorSource, type Actor } from "@/lib/audit/actor";

/**
 * The one writer of Vigil's own audit events (console actions, response actions, reviews,
 * retention receipts): each event is validated like an integrator's, and appended to the
 * org's chain in the same transaction as the change it describes, so a change whose record
 * can't be written does not happen (STYLE.md 7). appendOwnEvents writes inside a caller's
 * transaction; audited runs the transaction itself. (A record with no change to share a
 * transaction with, such as a sign-in, goes through lib/events/ingest.ts recordEvent.)
 */

/** Validates Vigil's own event bodies and appends them to the org's chain in `client`'s transaction. */
export async function appendOwnEvents(client: pg.PoolClient, orgId: string, bodies: Record<string, unknown>[], source: Source): Promise<void> {
  if (bodies.length === 0) return;
  const drafts = bodies.map((body) => {
    const r = toDraft(body, source);
    if (!r.ok) throw new Error(`Vigil's own audit event ${String(body.action)} is invalid: ${r.errors.map((x) => `${x.path} ${x.message}`).join("; ")}`);
    return r.draft;
  });
  await appendEvents(client, orgId, drafts);
}

/**
 * Runs `change` in a transaction and records the events it returns in each of `orgIds`, in
 * that transaction. Chain heads are locked in org id order, so two such transactions can't
 * deadlock.
 */
export async function audited<T>(
  orgIds: string[],
  source: Source,
  change: (client: pg.PoolClient) => Promise<{ result: T; events: Record<string, unknown>[] }>,
): Promise<T> {
  return inAppendTransaction([], async (client) => {
    const { result, events } = await change(client);
    for (const orgId of [...new Set(orgIds)].sort()) await appendOwnEvents(client, orgId, events, source);
    return result;
  });
}

/** An event the console writes: the body of POST /api/v1/events, minus what the actor fills in. */
export interface ConsoleEvent {
  action: string;
  category?: "authentication" | "data" | "settings" | "integration" | "export";
  status?: "success" | "failed" | "pending";
  severity?: "info" | "warning" | "critical";
  targets?: { type: string; id: string; name?: string }[];
  reason?: string;
  changes?: Change[];
  metadata?: Record<string, unknown>;
}

export function eventBody(actor: Actor | null, e: ConsoleEvent): Record<string, unknown> {
  const body: Record<string, unknown> = { action: e.action, occurred_at: new Date().toISOString() };
  if (e.category) body.category = e.category;
  if (e.status) body.status = e.status;
  if (e.severity) body.severity = e.severity;
  Object.assign(body, actorFields(actor));
  if (e.targets?.length) body.targets = e.targets;
  if (e.reason) body.reason = e.reason;
  // Through JSON, so an undefined value is left out rather than refused by validation.
  if (e.changes?.length) body.changes = JSON.parse(JSON.stringify(maskChanges(e.changes)));
  if (e.metadata) body.metadata = JSON.parse(JSON.stringify(maskDeep(e.metadata)));
  return body;
}

/** Appends console events to an org's chain inside the caller's transaction. */
export async function appendAudit(client: pg.PoolClient, orgId: string, actor: Actor | null, events: ConsoleEvent[]): Promise<void> {
  await appendOwnEvents(client, orgId, events.map((e) => eventBody(actor, e)), actorSource(actor));
}

/**
 * Runs `change` in a transaction and appends the events it returns to the org's chain in
 * that same transaction. `change` answers its result and the events that describe it.
 */
export function withAudit<T>(
  orgId: string,
  actor: Actor | null,
  change: (client: pg.PoolClient) => Promise<{ result: T; events: ConsoleEvent[] }>,
): Promise<T> {
  return withAuditInOrgs([orgId], actor, change);
}

/**
 * The same for a change that concerns several orgs at once (a user's own MFA, which every
 * org they belong to records).
 */
export function withAuditInOrgs<T>(
  orgIds: string[],
  actor: Actor | null,
  change: (client: pg.PoolClient) => Promise<{ result: T; events: ConsoleEvent[] }>,
): Promise<T> {
  return audited(orgIds, actorSource(actor), async (client) => {
    const { result, events } = await change(client);
    return { result, events: events.map((e) => eventBody(actor, e)) };
  });
}
