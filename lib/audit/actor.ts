import type { Source } from "@/lib/events/catalog";

/**
 * Who did something Vigil records about itself: a signed-in person (and where they acted
 * from), or Vigil's own jobs. Console actions, response actions, retention and reviews all
 * take this one type; the record's actor and context are made from it in one place.
 */
export type Actor = PersonActor | SystemActor;

export interface PersonActor {
  type: "user";
  id: string;
  email: string;
  name: string;
  /** Where the person acted from: recorded as the event's context, not as part of the actor. */
  ip?: string | null;
  userAgent?: string | null;
}

export interface SystemActor {
  type: "system";
  id: "vigil";
  name: "Vigil";
}

export const SYSTEM_ACTOR: SystemActor = { type: "system", id: "vigil", name: "Vigil" };

/** The ingest source a record by this actor carries. */
export const actorSource = (actor: Actor | null): Source => (actor?.type === "system" ? "system" : "console");

/** How the actor is named in a row that keeps who did it (a hold's creator, a timeline entry). */
export const actorLabel = (actor: Actor): string => (actor.type === "user" ? actor.email : actor.name);

/** The event body's `actor` and `context` fields for this actor. */
export function actorFields(actor: Actor | null): { actor?: Record<string, string>; context?: Record<string, string> } {
  if (!actor) return {};
  if (actor.type === "system") return { actor: { type: "system", id: actor.id, name: actor.name } };
  const context: Record<string, string> = {};
  if (actor.ip) context.ip = actor.ip;
  if (actor.userAgent) context.user_agent = actor.userAgent.slice(0, 1024);
  return { actor: { type: "user", id: actor.id, email: actor.email, name: actor.name }, context };
}

/**
 * Who asks for a file (an export, a report download) and from where: an API key or a person,
 * as /api/v1's Principal and the console's routes give them. Its record names the actor and
 * carries the address and browser as the event's context.
 */
export interface Requester {
  actor: { type: "api"; id: string; name: string } | { type: "user"; id: string; email: string; name: string };
  ip?: string;
  userAgent?: string;
  source: "api" | "console";
}

/** A signed-in person as a requester: the console's routes and /api/v1 under a session. */
export function personRequester(person: PersonActor): Requester {
  return {
    actor: { type: "user", id: person.id, email: person.email, name: person.name },
    ip: person.ip ?? undefined,
    userAgent: person.userAgent ?? undefined,
    source: "console",
  };
}

/** The record's `actor` and `context` (left out when empty) for a requester. */
export function requesterFields(who: Requester): { actor: Requester["actor"]; context?: Record<string, string> } {
  const context: Record<string, string> = {};
  if (who.ip) context.ip = who.ip;
  if (who.userAgent) context.user_agent = who.userAgent.slice(0, 1024);
  return { actor: who.actor, ...(Object.keys(context).length > 0 ? { context } : {}) };
}
