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
