import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { audited } from "@/lib/audit/record";
import { isUuid } from "@/lib/uuid";

/**
 * Reviews of settings and permission changes: a member allowed to review marks a change
 * compliant or not, with a note. The review and its own audit event (EVENT_REVIEWED) are
 * written in one transaction: a review that can't be recorded does not happen.
 *
 * Who may review: a member whose role manages settings (settings:manage) or holds the
 * built-in auditor role; nobody reviews their own change.
 */

export const REVIEWABLE_CATEGORY = "settings";
const MAX_NOTE = 2000;

export interface EventReview {
  id: string;
  event_id: string;
  reviewer_user_id: string;
  reviewer: string;
  compliant: boolean;
  note: string | null;
  reviewed_at: string;
}

/** Whether a role may review: settings managers and auditors. */
export function canReview(role: { key: string; permissions: readonly string[] }): boolean {
  return role.permissions.includes("settings:manage") || role.key === "auditor";
}

export async function reviewEvent(
  orgId: string,
  input: { eventId: string; reviewerUserId: string; compliant: boolean; note?: string | null },
  context: { ip?: string; userAgent?: string } = {},
): Promise<EventReview> {
  const note = input.note?.trim() || null;
  if (note && note.length > MAX_NOTE) throw new VigilError("invalid_request", `the note must be at most ${MAX_NOTE} characters`, [{ path: "note", message: `must be at most ${MAX_NOTE} characters` }]);
  if (!isUuid(input.eventId)) throw new VigilError("not_found", "event not found");

  const reviewer = await pool().query<{ id: string; email: string; name: string; key: string; permissions: string[] | null }>(
    `select u.id, u.email, u.name, r.key, r.permissions from memberships m join users u on u.id = m.user_id join roles r on r.id = m.role_id
     where m.org_id = $1 and m.user_id = $2`,
    [orgId, input.reviewerUserId],
  );
  const who = reviewer.rows[0];
  if (!who) throw new VigilError("forbidden", "only members of the organization may review");
  if (!canReview({ key: who.key, permissions: who.permissions ?? [] })) {
    throw new VigilError("forbidden", "your role may not review changes (settings:manage or the auditor role is needed)");
  }
  const event = await pool().query<{ id: string; seq: number; action: string; category: string; actor_email: string | null; actor_id: string | null }>(
    "select id, seq, action, category, actor_email, actor_id from audit_events where org_id = $1 and id = $2",
    [orgId, input.eventId],
  );
  const reviewed = event.rows[0];
  if (!reviewed) throw new VigilError("not_found", "event not found");
  if (reviewed.category !== REVIEWABLE_CATEGORY) throw new VigilError("invalid_request", "only settings and permission changes are reviewed");
  if (reviewed.actor_email && reviewed.actor_email === who.email.toLowerCase()) {
    throw new VigilError("forbidden", "a change is reviewed by someone other than the person who made it");
  }

  const record = {
    action: "EVENT_REVIEWED",
    category: "data",
    actor: { type: "user", id: who.id, email: who.email, name: who.name },
    targets: [{ type: "event", id: reviewed.id, name: `${reviewed.action} #${reviewed.seq}` }],
    context: { ...(context.ip ? { ip: context.ip } : {}), ...(context.userAgent ? { user_agent: context.userAgent.slice(0, 1024) } : {}) },
    ...(note ? { reason: note } : {}),
    metadata: { compliant: input.compliant, event_seq: Number(reviewed.seq), event_action: reviewed.action },
  };

  const id = uuidv7();
  const row = await audited([orgId], "console", async (client) => {
    const inserted = await client.query<{ reviewed_at: Date }>(
      "insert into event_reviews (id, org_id, event_id, reviewer_user_id, compliant, note) values ($1, $2, $3, $4, $5, $6) returning reviewed_at",
      [id, orgId, reviewed.id, who.id, input.compliant, note],
    );
    return { result: inserted.rows[0]!, events: [record] };
  });
  return {
    id, event_id: reviewed.id, reviewer_user_id: who.id, reviewer: who.email, compliant: input.compliant, note,
    reviewed_at: row.reviewed_at.toISOString(),
  };
}
