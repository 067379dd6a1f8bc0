import type pg from "pg";
import { audited } from "@/lib/audit/record";
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

/** A response action and its record, through the one audit writer (lib/audit/record.ts). */
export function withAuditedAction<T>(
  orgId: string,
  source: Source,
  fn: (client: pg.PoolClient) => Promise<{ result: T; events: Record<string, unknown>[] }>,
): Promise<T> {
  return audited([orgId], source, async (client) => {
    const { result, events } = await fn(client);
    return { result, events: events.map(withContext) };
  });
}
