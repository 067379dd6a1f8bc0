import type pg from "pg";
import { pool, withTransaction } from "@/lib/db/pool";
import { appendEvents } from "@/lib/events/ingest";
import { ensurePartitions } from "@/lib/events/partitions";
import { toDraft } from "@/lib/events/record";
import { maskChanges, maskDeep, type Change } from "@/lib/audit/mask";

/**
 * How the console records its own actions: the audit event is appended to the org's chain
 * in the same transaction as the change it describes, so a change whose record can't be
 * written does not happen (STYLE.md 7).
 */

/** Who did it and from where: the signed-in person of a console session. */
export interface AuditActor {
  userId: string;
  email: string;
  name: string;
  ip?: string | null;
  userAgent?: string | null;
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

export function eventBody(actor: AuditActor | null, e: ConsoleEvent): Record<string, unknown> {
  const body: Record<string, unknown> = { action: e.action, occurred_at: new Date().toISOString() };
  if (e.category) body.category = e.category;
  if (e.status) body.status = e.status;
  if (e.severity) body.severity = e.severity;
  if (actor) {
    body.actor = { type: "user", id: actor.userId, email: actor.email, name: actor.name };
    const context: Record<string, string> = {};
    if (actor.ip) context.ip = actor.ip;
    if (actor.userAgent) context.user_agent = actor.userAgent.slice(0, 1024);
    body.context = context;
  }
  if (e.targets?.length) body.targets = e.targets;
  if (e.reason) body.reason = e.reason;
  // Through JSON, so an undefined value is left out rather than refused by validation.
  if (e.changes?.length) body.changes = JSON.parse(JSON.stringify(maskChanges(e.changes)));
  if (e.metadata) body.metadata = JSON.parse(JSON.stringify(maskDeep(e.metadata)));
  return body;
}

/** Appends console events to an org's chain inside the caller's transaction. */
export async function appendAudit(client: pg.PoolClient, orgId: string, actor: AuditActor | null, events: ConsoleEvent[]): Promise<void> {
  if (events.length === 0) return;
  const drafts = events.map((e) => {
    const r = toDraft(eventBody(actor, e), "console");
    if (!r.ok) throw new Error(`console audit event ${e.action} is invalid: ${r.errors.map((x) => `${x.path} ${x.message}`).join("; ")}`);
    return r.draft;
  });
  await appendEvents(client, orgId, drafts);
}

/**
 * Runs `change` in a transaction and appends the events it returns to the org's chain in
 * that same transaction. `change` answers its result and the events that describe it.
 */
export async function withAudit<T>(
  orgId: string,
  actor: AuditActor | null,
  change: (client: pg.PoolClient) => Promise<{ result: T; events: ConsoleEvent[] }>,
): Promise<T> {
  // The month's partition normally exists already; make sure before taking locks.
  await ensurePartitions(pool(), [new Date().toISOString()]);
  return withTransaction(async (client) => {
    const { result, events } = await change(client);
    await appendAudit(client, orgId, actor, events);
    return result;
  });
}

/**
 * The same for a change that concerns several orgs at once (a user's own MFA, which every
 * org they belong to records). Chain heads are locked in org id order so two such
 * transactions can't deadlock.
 */
export async function withAuditInOrgs<T>(
  orgIds: string[],
  actor: AuditActor | null,
  change: (client: pg.PoolClient) => Promise<{ result: T; events: ConsoleEvent[] }>,
): Promise<T> {
  await ensurePartitions(pool(), [new Date().toISOString()]);
  return withTransaction(async (client) => {
    const { result, events } = await change(client);
    for (const orgId of [...new Set(orgIds)].sort()) await appendAudit(client, orgId, actor, events);
    return result;
  });
}
