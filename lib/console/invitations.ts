import crypto from "node:crypto";
import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { env } from "@/lib/env";
import { hashPassword } from "@/lib/auth/passwords";
import { VigilError } from "@/lib/errors";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { assertCanGrant, type Authority } from "@/lib/console/rules";
import { roleInOrg } from "@/lib/console/members";
import { sendSmtp, smtpConfigured } from "@/lib/mail/smtp";
import { isUuid } from "@/lib/uuid";

/**
 * Joining an org is an invitation the person accepts (issue 10, finding 1). The inviting
 * admin never sets, sees or obtains a credential, and the answer they get is the same
 * whether the address has a Vigil account or not: a single-use link that expires in 7 days
 * (e-mailed when SMTP is set) and makes nothing until it is used. A new person sets their
 * own password from it; an existing account joins only when that person, signed in as the
 * invited address, accepts.
 */

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;
/** The password a person sets for themselves: long enough, and bounded for argon2. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;

export const invitationPath = (token: string) => `/invite/${token}`;
const tokenHash = (token: string) => crypto.createHash("sha256").update(token, "utf8").digest("hex");

export interface InvitationRow {
  id: string;
  email: string;
  roleName: string;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** Pending invitations of the org (not used, not revoked, not expired). */
export async function listInvitations(orgId: string): Promise<InvitationRow[]> {
  const { rows } = await pool().query<{ id: string; email: string; role_name: string; invited_by: string | null; created_at: Date; expires_at: Date }>(
    `select i.id, i.email, r.name as role_name, u.email as invited_by, i.created_at, i.expires_at
     from invitations i join roles r on r.id = i.role_id left join users u on u.id = i.invited_by
     where i.org_id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
     order by i.created_at desc`,
    [orgId],
  );
  return rows.map((r) => ({
    id: r.id, email: r.email, roleName: r.role_name, invitedBy: r.invited_by, createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(),
  }));
}

export interface InviteAnswer {
  /** `/invite/<token>`: shown once to the admin; the only copy of the token. */
  link: string;
  emailed: boolean;
  expiresAt: string;
}

/** Invites an address into the org; a pending invitation to the same address is replaced. */
export async function inviteMember(
  orgId: string,
  actor: Authority & { audit: PersonActor },
  input: { email: string; roleId: string },
): Promise<InviteAnswer> {
  const email = input.email.trim().toLowerCase();
  const role = await roleInOrg(pool(), orgId, input.roleId);
  assertCanGrant(actor, role.permissions, role.key, "grant");
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
  const id = uuidv7();
  const orgName = await withAudit(orgId, actor.audit, async (client) => {
    // Membership of this org is the admin's to see; an account elsewhere is not.
    const member = await client.query(
      "select 1 from memberships m join users u on u.id = m.user_id where m.org_id = $1 and u.email = $2",
      [orgId, email],
    );
    if (member.rowCount) throw new VigilError("conflict", `${email} is already a member.`, { email: "is already a member" });
    await client.query(
      "update invitations set revoked_at = now() where org_id = $1 and email = $2 and accepted_at is null and revoked_at is null",
      [orgId, email],
    );
    await client.query(
      "insert into invitations (id, org_id, email, role_id, token_hash, invited_by, expires_at) values ($1, $2, $3, $4, $5, $6, $7)",
      [id, orgId, email, role.id, tokenHash(token), actor.audit.id, expiresAt],
    );
    const org = await client.query<{ name: string }>("select name from organizations where id = $1", [orgId]);
    return {
      result: org.rows[0]?.name ?? "",
      events: [{
        action: "MEMBER_INVITED",
        category: "settings",
        targets: [{ type: "invitation", id, name: email }],
        metadata: { user: email, new_role: role.name, expires_at: expiresAt.toISOString() },
      }],
    };
  });
  const emailed = await mailInvitation(email, orgName, token, expiresAt);
  return { link: invitationPath(token), emailed, expiresAt: expiresAt.toISOString() };
}

/** Sends the link when SMTP and the public URL are set; a failed send still leaves the link shown. */
async function mailInvitation(email: string, orgName: string, token: string, expiresAt: Date): Promise<boolean> {
  const origin = env().VIGIL_PUBLIC_URL;
  if (!smtpConfigured() || !origin) return false;
  try {
    await sendSmtp({
      to: [email],
      subject: `You're invited to ${orgName} on Vigil`,
      text: `You have been invited to join ${orgName} on Vigil.\n\nAccept: ${new URL(invitationPath(token), origin).toString()}\n\nThe link works once and expires ${expiresAt.toISOString()}.\n`,
    });
    return true;
  } catch (e) {
    console.error("invitation e-mail failed:", e instanceof Error ? e.message : e);
    return false;
  }
}

export async function revokeInvitation(orgId: string, actor: Authority & { audit: PersonActor }, input: { invitationId: string }): Promise<void> {
  if (!isUuid(input.invitationId)) throw new VigilError("not_found", "That invitation doesn't exist.");
  await withAudit(orgId, actor.audit, async (client) => {
    const { rows } = await client.query<{ email: string }>(
      "update invitations set revoked_at = now() where org_id = $1 and id = $2 and accepted_at is null and revoked_at is null returning email",
      [orgId, input.invitationId],
    );
    if (!rows[0]) throw new VigilError("not_found", "That invitation doesn't exist.");
    return {
      result: undefined,
      events: [{ action: "MEMBER_INVITATION_REVOKED", category: "settings", targets: [{ type: "invitation", id: input.invitationId, name: rows[0].email }], metadata: { user: rows[0].email } }],
    };
  });
}

/** What the invitation page shows: never whether an account holds the address. */
export interface InvitationView {
  email: string;
  orgName: string;
  roleName: string;
  expiresAt: string;
}

interface LiveInvitation {
  id: string;
  org_id: string;
  org_name: string;
  email: string;
  role_id: string;
  role_name: string;
  expires_at: Date;
}

async function liveInvitation(db: pg.Pool | pg.PoolClient, token: string, lock: boolean): Promise<LiveInvitation | undefined> {
  if (!token || token.length > 100) return undefined;
  const { rows } = await db.query<LiveInvitation>(
    `select i.id, i.org_id, o.name as org_name, i.email, i.role_id, r.name as role_name, i.expires_at
     from invitations i join organizations o on o.id = i.org_id join roles r on r.id = i.role_id
     where i.token_hash = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
     ${lock ? "for update of i" : ""}`,
    [tokenHash(token)],
  );
  return rows[0];
}

export async function viewInvitation(token: string): Promise<InvitationView | null> {
  const inv = await liveInvitation(pool(), token, false);
  return inv ? { email: inv.email, orgName: inv.org_name, roleName: inv.role_name, expiresAt: inv.expires_at.toISOString() } : null;
}

/** One answer for a missing, used, revoked or expired link, and for a link used the wrong way. */
const unusable = () => new VigilError("not_found", "This invitation link can't be used: it may have expired or been used, or it needs you to sign in as the invited address.");

function joinEvents(inv: LiveInvitation, userId: string) {
  return [{
    action: "PERMISSIONS_CHANGED",
    category: "settings" as const,
    targets: [{ type: "user", id: userId, name: inv.email }],
    changes: [{ field: "role", before: null, after: inv.role_name }],
    metadata: { action: "member_added", user: inv.email, new_role: inv.role_name, previous_role: null, invitation_id: inv.id },
  }];
}

async function join(client: pg.PoolClient, inv: LiveInvitation, userId: string): Promise<void> {
  await client.query(
    "insert into memberships (id, org_id, user_id, role_id) values ($1, $2, $3, $4) on conflict (org_id, user_id) do nothing",
    [uuidv7(), inv.org_id, userId, inv.role_id],
  );
  await client.query("update invitations set accepted_at = now() where id = $1", [inv.id]);
}

/**
 * A person with no account sets their name and own password from the link: the account and
 * the membership are made now, and the link is spent. An address that already has an account
 * answers like any unusable link (that person accepts while signed in instead).
 */
export async function acceptAsNewPerson(
  token: string,
  input: { name: string; password: string },
  request: { ip?: string | null; userAgent?: string | null } = {},
): Promise<{ email: string; orgId: string }> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new VigilError("invalid_request", "Enter your name.", { name: "enter your name (up to 200 characters)" });
  if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX) {
    throw new VigilError("invalid_request", `Choose a password of at least ${PASSWORD_MIN} characters.`, { password: `at least ${PASSWORD_MIN} characters` });
  }
  const pre = await liveInvitation(pool(), token, false);
  if (!pre) throw unusable();
  const passwordHash = await hashPassword(input.password);
  const userId = uuidv7();
  const actor: PersonActor = { type: "user", id: userId, email: pre.email, name, ip: request.ip ?? null, userAgent: request.userAgent ?? null };
  return withAudit(pre.org_id, actor, async (client) => {
    const inv = await liveInvitation(client, token, true);
    if (!inv) throw unusable();
    const created = await client.query(
      "insert into users (id, email, name, password_hash) values ($1, $2, $3, $4) on conflict (email) do nothing",
      [userId, inv.email, name, passwordHash],
    );
    if (!created.rowCount) throw unusable();
    await join(client, inv, userId);
    return { result: { email: inv.email, orgId: inv.org_id }, events: joinEvents(inv, userId) };
  });
}

/** The signed-in person accepts: only when they are the invited address. */
export async function acceptAsSignedIn(token: string, actor: PersonActor): Promise<{ orgId: string }> {
  const pre = await liveInvitation(pool(), token, false);
  if (!pre || pre.email !== actor.email.trim().toLowerCase()) throw unusable();
  return withAudit(pre.org_id, actor, async (client) => {
    const inv = await liveInvitation(client, token, true);
    if (!inv || inv.email !== actor.email.trim().toLowerCase()) throw unusable();
    await join(client, inv, actor.id);
    return { result: { orgId: inv.org_id }, events: joinEvents(inv, actor.id) };
  });
}
