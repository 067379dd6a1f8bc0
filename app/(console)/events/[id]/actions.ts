"use server";

import { getConsoleSession } from "@/lib/auth/session";
import { eventWithChain } from "@/lib/events/event-detail";

/** Re-checks one event's link in the chain now; another org's id answers like a missing one. */
export async function verifyEventLink(id: string): Promise<{ verified: boolean; checkedAt: string } | { error: string }> {
  const session = await getConsoleSession();
  if (!session || !session.permissions.includes("events:read")) return { error: "Sign in with a role that can read events." };
  const event = await eventWithChain(session.org.id, id);
  if (!event) return { error: "Event not found." };
  return { verified: event.chain.verified, checkedAt: new Date().toISOString() };
}
