"use server";

import { consoleAccess, refusalMessage } from "@/lib/auth/session";
import { eventWithChain } from "@/lib/events/event-detail";

/** Re-checks one event's link in the chain now; another org's id answers like a missing one. */
export async function verifyEventLink(id: string): Promise<{ verified: boolean; checkedAt: string } | { error: string }> {
  const { session, refusal } = await consoleAccess("events:read");
  if (refusal) return { error: refusalMessage(refusal, "read events") };
  const event = await eventWithChain(session.org.id, id);
  if (!event) return { error: "Event not found." };
  return { verified: event.chain.verified, checkedAt: new Date().toISOString() };
}
