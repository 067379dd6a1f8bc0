import crypto from "node:crypto";
import { generateSecret, generateURI, verify as verifyOtp } from "otplib";
import QRCode from "qrcode";
import { uuidv7 } from "uuidv7";
import type pg from "pg";
import { pool } from "@/lib/db/pool";
import { open, seal } from "@/lib/auth/secret-box";

/**
 * TOTP (RFC 6238, 30-second steps, 6 digits) and single-use recovery codes. The seed is
 * sealed with AUTH_SECRET (lib/auth/secret-box.ts); a code is accepted once (the step of
 * the last accepted code is kept), and one step of clock drift either way is allowed.
 */

export const ISSUER = "Vigil";
const RECOVERY_CODES = 10;
const TOTP_PATTERN = /^\d{6}$/;
const RECOVERY_PATTERN = /^[a-z2-7]{5}-?[a-z2-7]{5}$/;

export function newTotpSecret(): string {
  return generateSecret();
}

export function otpauthUri(secret: string, email: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret });
}

export function qrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
}

/** The 30-second step a valid code belongs to, or undefined. */
export async function totpStep(secret: string, code: string): Promise<number | undefined> {
  const token = code.replace(/\s/g, "");
  if (!TOTP_PATTERN.test(token)) return undefined;
  try {
    const result = await verifyOtp({ secret, token, epochTolerance: 30 });
    // The TOTP strategy's result carries the matched step; the union type also covers HOTP.
    return result.valid && "timeStep" in result ? (result.timeStep as number) : undefined;
  } catch {
    return undefined;
  }
}

function base32(bytes: Buffer): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, () => {
    const s = base32(crypto.randomBytes(7)).slice(0, 10);
    return `${s.slice(0, 5)}-${s.slice(5)}`;
  });
}

export function hashRecoveryCode(code: string): string {
  return crypto.createHash("sha256").update(code.trim().toLowerCase().replace("-", "")).digest("hex");
}

export function looksLikeRecoveryCode(code: string): boolean {
  return RECOVERY_PATTERN.test(code.trim().toLowerCase());
}

export function sealSecret(secret: string): string {
  return seal(secret);
}

export function openSecret(sealed: string | null): string | undefined {
  return sealed ? open(sealed) : undefined;
}

/**
 * Checks a second factor for a user with MFA enabled and consumes it: a TOTP code moves
 * the user's last accepted step forward (so it can't be replayed), a recovery code is
 * marked used. Both updates are conditional, so two racing sign-ins can't share a code.
 */
export async function consumeSecondFactor(
  user: { id: string; mfaSecret: string | null },
  code: string,
  db: pg.Pool | pg.PoolClient = pool(),
): Promise<"totp" | "recovery" | undefined> {
  const trimmed = code.trim();
  if (looksLikeRecoveryCode(trimmed)) {
    const used = await db.query(
      "update mfa_recovery_codes set used_at = now() where user_id = $1 and code_hash = $2 and used_at is null returning id",
      [user.id, hashRecoveryCode(trimmed)],
    );
    return used.rowCount ? "recovery" : undefined;
  }
  const secret = openSecret(user.mfaSecret);
  if (!secret) return undefined;
  const step = await totpStep(secret, trimmed);
  if (step === undefined) return undefined;
  const accepted = await db.query(
    "update users set mfa_last_step = $2 where id = $1 and (mfa_last_step is null or mfa_last_step < $2) returning id",
    [user.id, step],
  );
  return accepted.rowCount ? "totp" : undefined;
}

/** Replaces the user's recovery codes inside the caller's transaction; answers the new codes. */
export async function replaceRecoveryCodes(client: pg.PoolClient, userId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await client.query("delete from mfa_recovery_codes where user_id = $1", [userId]);
  await client.query(
    "insert into mfa_recovery_codes (id, user_id, code_hash) select * from unnest($1::uuid[], $2::uuid[], $3::text[])",
    [codes.map(() => uuidv7()), codes.map(() => userId), codes.map(hashRecoveryCode)],
  );
  return codes;
}
