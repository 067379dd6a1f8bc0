import { randomUUID } from "node:crypto";
import type { PersonActor } from "@/lib/audit/actor";

/** A person acting in a test, by email: the id is made up unless given. */
export function person(email: string, id: string = randomUUID()): PersonActor {
  return { type: "user", id, email, name: email.split("@")[0]! };
}
