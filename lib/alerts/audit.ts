import type pg from "pg";
import { pool, withTransaction } from "@/lib/db/pool";
import { appendEvents } from "@/lib/events/ingest";
import { ensurePartitions } from "@/lib/events/partitions";
import { toDraft } from "@/lib/events/record";
import type { Source } from "@/lib/events/catalog";

/**
 * Response actions are audit events themselves, written in the same transaction as the
 * action: if the record can't be written, the action does not happen.
 */

export interface ActionActor {
  type: "user" | "system";
  id?: string;
  email?: string;
  name?: string;
  /** Where a person acted from: recorded as the event's context, not as part of the actor. */
  ip?: string | null;
  userAgent?: string | null;
}

/** The event body's actor and context from an ActionActor. */
function withContext(e: Record<string, unknown>): Record<string, unknown> {
  const a = e.actor as ActionActor | undefined;
  if (!a) return e;
  const { ip, userAgent, ...actor } = a;
  const context = ip || userAgent ? { ...(ip ? { ip } : {}), ...(userAgent ? { user_agent: userAgent.slice(0, 500) } : {}) } : undefined;
  return { ...e, actor, ...(context ? { context } : {}) };
}

export const SYSTEM_ACTOR: ActionActor = { type: "system", id: "vigil", name: "Vigil" };

export async function withAuditedAction<T>(
  orgId: string,
  source: Source,
  fn: (client: pg.PoolClient) => Promise<{ result: T; events: Record<string, unknown>[] }>,
): Promise<T> {
  await ensurePartitions(pool(), [new Date().toISOString()]);
  return withTransaction(async (client) => {
    const { result, events } = await fn(client);
    const drafts = events.map((e) => {
      const r = toDraft(withContext(e), source);
      if (!r.ok) throw new Error(`internal event is invalid: ${r.errors.map((x) => `${x.path} ${x.message}`).join("; ")}`);
      return r.draft;
    });
    if (drafts.length > 0) await appendEvents(client, orgId, drafts);
    return result;
  });
}
