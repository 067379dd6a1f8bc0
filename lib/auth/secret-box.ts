import crypto from "node:crypto";
import { env } from "@/lib/env";

/**
 * Authenticated encryption (AES-256-GCM) for secrets the server must read back, such as a
 * user's TOTP seed: a database dump alone then can't mint MFA codes. The key is derived
 * from AUTH_SECRET, so rotating AUTH_SECRET means users re-enroll MFA.
 */

function key(): Buffer {
  const secret = env().AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: it is needed to protect MFA secrets.");
  return Buffer.from(crypto.hkdfSync("sha256", secret, "vigil", "vigil/secret-box/v1", 32));
}

export function seal(plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** The plaintext, or undefined when the box was not sealed with this AUTH_SECRET or was altered. */
export function open(sealed: string): string | undefined {
  const [version, iv, body, tag] = sealed.split(".");
  if (version !== "v1" || !iv || !body || !tag) return undefined;
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
