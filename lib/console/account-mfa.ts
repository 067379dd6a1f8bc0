import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import {
  consumeSecondFactor, looksLikeRecoveryCode, newTotpSecret, openSecret, otpauthUri, qrCodeSvg, replaceRecoveryCodes, sealSecret, totpStep,
} from "@/lib/auth/mfa";
import { withAuditInOrgs } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { withAttemptLimit } from "@/lib/auth/attempt-limit";

/**
 * A person's own MFA: enroll (QR code, confirm with a code, get recovery codes), replace
 * the recovery codes (with a current code from the app), disable (with a current code).
 * MFA_ENABLED / MFA_RECOVERY_CODES_REGENERATED / MFA_DISABLED go to every org the person
 * belongs to, in the same transaction as the change. Every check of a code is within the
 * person's attempt limit (lib/auth/attempt-limit.ts): five wrong codes lock it for 15 minutes.
 */

async function orgIdsOf(userId: string): Promise<string[]> {
  const { rows } = await pool().query<{ org_id: string }>("select org_id from memberships where user_id = $1", [userId]);
  return rows.map((r) => r.org_id);
}

export async function mfaStatus(userId: string): Promise<{ enabled: boolean; enabledAt: string | null; recoveryCodesLeft: number; requiredBy: string[] }> {
  const { rows } = await pool().query<{ mfa_enabled_at: Date | null; left: number; required_by: string[] }>(
    `select u.mfa_enabled_at,
       (select count(*)::int from mfa_recovery_codes c where c.user_id = u.id and c.used_at is null) as left,
       coalesce((select array_agg(o.name order by o.name) from memberships m join organizations o on o.id = m.org_id
                 where m.user_id = u.id and o.require_mfa), '{}') as required_by
     from users u where u.id = $1`,
    [userId],
  );
  const r = rows[0];
  return { enabled: Boolean(r?.mfa_enabled_at), enabledAt: r?.mfa_enabled_at?.toISOString() ?? null, recoveryCodesLeft: r?.left ?? 0, requiredBy: r?.required_by ?? [] };
}

/** Starts (or restarts) enrollment: a new secret kept pending until a code confirms it. */
export async function startMfaEnrollment(user: { id: string; email: string }): Promise<{ secret: string; uri: string; qrSvg: string }> {
  const secret = newTotpSecret();
  const updated = await pool().query("update users set mfa_secret = $2 where id = $1 and mfa_enabled_at is null", [user.id, sealSecret(secret)]);
  if (!updated.rowCount) throw new VigilError("conflict", "MFA is already on for your account.");
  const uri = otpauthUri(secret, user.email);
  return { secret, uri, qrSvg: await qrCodeSvg(uri) };
}

export async function confirmMfaEnrollment(actor: PersonActor, code: string): Promise<{ recoveryCodes: string[] }> {
  const orgIds = await orgIdsOf(actor.id);
  return withAttemptLimit(actor.id, "second_factor", () => withAuditInOrgs(orgIds, actor, async (client) => {
    const { rows } = await client.query<{ mfa_secret: string | null; mfa_enabled_at: Date | null }>(
      "select mfa_secret, mfa_enabled_at from users where id = $1 for update",
      [actor.id],
    );
    const row = rows[0];
    if (!row || row.mfa_enabled_at) throw new VigilError("conflict", "MFA is already on for your account.");
    const secret = openSecret(row.mfa_secret);
    if (!secret) throw new VigilError("invalid_request", "Start the setup again: scan a new QR code.");
    const step = await totpStep(secret, code);
    if (step === undefined) throw new VigilError("invalid_request", "That code didn't match. Enter the current 6-digit code from your app.", { code: "didn't match" });
    await client.query("update users set mfa_enabled_at = now(), mfa_last_step = $2 where id = $1", [actor.id, step]);
    const recoveryCodes = await replaceRecoveryCodes(client, actor.id);
    return {
      result: { recoveryCodes },
      events: [{
        action: "MFA_ENABLED",
        category: "authentication",
        targets: [{ type: "user", id: actor.id, name: actor.email }],
        changes: [{ field: "mfa", before: "off", after: "totp" }],
        metadata: { method: "totp", codes_issued: recoveryCodes.length },
      }],
    };
  }));
}

export async function disableMfa(actor: PersonActor, code: string): Promise<void> {
  const status = await mfaStatus(actor.id);
  if (!status.enabled) throw new VigilError("invalid_request", "MFA is not on for your account.");
  if (status.requiredBy.length > 0) {
    throw new VigilError("forbidden", `MFA is required by ${status.requiredBy.join(", ")}; it can't be turned off.`);
  }
  const orgIds = await orgIdsOf(actor.id);
  await withAttemptLimit(actor.id, "second_factor", () => withAuditInOrgs(orgIds, actor, async (client) => {
    const { rows } = await client.query<{ mfa_secret: string | null }>("select mfa_secret from users where id = $1 for update", [actor.id]);
    const factor = await consumeSecondFactor({ id: actor.id, mfaSecret: rows[0]?.mfa_secret ?? null }, code, client);
    if (!factor) throw new VigilError("invalid_request", "That code didn't work. Enter a current code or a recovery code.", { code: "didn't work" });
    await client.query("update users set mfa_secret = null, mfa_enabled_at = null, mfa_last_step = null where id = $1", [actor.id]);
    await client.query("delete from mfa_recovery_codes where user_id = $1", [actor.id]);
    return {
      result: undefined,
      events: [{
        action: "MFA_DISABLED",
        category: "authentication",
        severity: "warning",
        targets: [{ type: "user", id: actor.id, name: actor.email }],
        changes: [{ field: "mfa", before: "totp", after: "off" }],
        metadata: { method: "totp", confirmed_with: factor === "totp" ? "totp" : "recovery_code" },
      }],
    };
  }));
}

/**
 * New recovery codes, shown once; the old ones (used or not) stop working in the same
 * transaction. It takes a current code from the authenticator app, not a recovery code:
 * whoever holds only a leaked recovery code must not be able to mint ten more.
 */
export async function regenerateRecoveryCodes(actor: PersonActor, code: string): Promise<{ recoveryCodes: string[] }> {
  if (looksLikeRecoveryCode(code)) {
    throw new VigilError("invalid_request", "Enter the current 6-digit code from your authenticator app, not a recovery code.", { code: "use the app's code" });
  }
  const orgIds = await orgIdsOf(actor.id);
  return withAttemptLimit(actor.id, "second_factor", () => withAuditInOrgs(orgIds, actor, async (client) => {
    const { rows } = await client.query<{ mfa_secret: string | null; mfa_enabled_at: Date | null; unused: number }>(
      `select mfa_secret, mfa_enabled_at,
         (select count(*)::int from mfa_recovery_codes c where c.user_id = u.id and c.used_at is null) as unused
       from users u where id = $1 for update`,
      [actor.id],
    );
    const row = rows[0];
    if (!row?.mfa_enabled_at) throw new VigilError("invalid_request", "MFA is not on for your account.");
    const factor = await consumeSecondFactor({ id: actor.id, mfaSecret: row.mfa_secret }, code, client);
    if (factor !== "totp") throw new VigilError("invalid_request", "That code didn't work. Enter the current 6-digit code from your app.", { code: "didn't work" });
    const recoveryCodes = await replaceRecoveryCodes(client, actor.id);
    return {
      result: { recoveryCodes },
      events: [{
        action: "MFA_RECOVERY_CODES_REGENERATED",
        category: "authentication",
        targets: [{ type: "user", id: actor.id, name: actor.email }],
        metadata: { method: "totp", confirmed_with: "totp", codes_issued: recoveryCodes.length, unused_codes_replaced: row.unused },
      }],
    };
  }));
}
