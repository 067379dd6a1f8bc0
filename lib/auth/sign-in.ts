import { pool } from "@/lib/db/pool";
import { hashPassword, verifyPassword } from "@/lib/auth/passwords";
import { RateLimiter } from "@/lib/auth/rate-limit";
import ipaddr from "ipaddr.js";
import { blockingOrgs, findBlock } from "@/lib/auth/blocklist";
import { consumeSecondFactor } from "@/lib/auth/mfa";
import { recordEvent } from "@/lib/events/ingest";
import { normalizeIp } from "@/lib/events/schema";
import { describeDevice } from "@/lib/auth/device";

/**
 * Console sign-in: per-address rate limit (IPv6 by /64), blocklist, lockout, argon2id, TOTP.
 * A sign-in opens one org — the one the `vigil-org` cookie asks for when the person is a member
 * there and not blocked, else their first org that doesn't block them — and every attempt by a
 * known person is an event of that org only: another org never sees it, and one org's
 * blocklist keeps the person out of that org, not out of the others (docs/security.md,
 * finding 1). The answer never tells an attacker whether an account exists: an unknown
 * email, a wrong password, a locked account and a blocked address all answer `invalid` after
 * the same argon2 work.
 */

/** Failed attempts (passwords and MFA codes) before the account locks, and for how long. */
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_MS = 15 * 60_000;

export type SignInFailure = "invalid password" | "unknown user" | "locked" | "blocked IP" | "blocked actor" | "bad MFA code";

export type SignInOutcome =
  | { ok: true; user: { id: string; email: string; name: string }; orgId: string }
  | { ok: false; code: "invalid" }
  | { ok: false; code: "mfa_required" }
  | { ok: false; code: "mfa_invalid" }
  | { ok: false; code: "rate_limited"; retryAfter: number };

export interface SignInAttempt {
  email: string;
  password: string;
  /** A TOTP code or a recovery code, for users with MFA. */
  code?: string;
  ip?: string | null;
  userAgent?: string | null;
  /** The org the browser last had open (the vigil-org cookie); only a hint. */
  orgHint?: string | null;
}

/** The org a sign-in opens and is recorded in: the hinted one first, then by membership age. */
export function signInOrg(orgIds: readonly string[], hint: string | null | undefined, blocked: readonly string[]): string | undefined {
  const ordered = hint && orgIds.includes(hint) ? [hint, ...orgIds.filter((o) => o !== hint)] : [...orgIds];
  return ordered.find((o) => !blocked.includes(o));
}

/** The rate limiter's key for an address: IPv4 whole, IPv6 by its /64 (one host's usual share). */
export function rateLimitKey(ip: string | null): string {
  if (!ip) return "signin:unknown";
  if (!ip.includes(":")) return `signin:${ip}`;
  const words = ipaddr.IPv6.parse(ip).parts.slice(0, 4);
  return `signin:${words.map((w) => w.toString(16)).join(":")}::/64`;
}

// Sign-in attempts per client address: a burst of 30, then one every 2 seconds. (The
// address is X-Forwarded-For's first entry: behind a proxy, the proxy must set it.)
const limiter = new RateLimiter(1 / 2, 30);

let dummyHash: Promise<string> | undefined;
/** A real argon2id hash to verify against when there is no account, so both take as long. */
function dummy(): Promise<string> {
  dummyHash ??= hashPassword("vigil-timing-equalizer-" + Math.random());
  return dummyHash;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  mfa_secret: string | null;
  mfa_enabled_at: Date | null;
  failed_attempts: number;
  locked_until: Date | null;
  org_ids: string[];
}

async function findUser(email: string): Promise<UserRow | undefined> {
  const { rows } = await pool().query<UserRow>(
    `select u.id, u.email, u.name, u.password_hash, u.mfa_secret, u.mfa_enabled_at, u.failed_attempts, u.locked_until,
       coalesce(array_agg(m.org_id order by m.created_at) filter (where m.org_id is not null), '{}') as org_ids
     from users u left join memberships m on m.user_id = u.id
     where u.email = $1 group by u.id`,
    [email],
  );
  return rows[0];
}

function loginEvent(user: UserRow, attempt: SignInAttempt, ip: string | null, extra: Record<string, unknown>): Record<string, unknown> {
  const device = describeDevice(attempt.userAgent);
  const context: Record<string, string> = {};
  if (ip) context.ip = ip;
  if (attempt.userAgent) context.user_agent = attempt.userAgent.slice(0, 1024);
  return {
    actor: { type: "user", id: user.id, email: user.email, name: user.name },
    context,
    ...extra,
    metadata: {
      ...(extra.metadata as Record<string, unknown> | undefined),
      ...(device.summary ? { device: device.summary } : {}),
      ...(device.browser ? { browser: device.browser } : {}),
      ...(device.os ? { os: device.os } : {}),
    },
  };
}

async function fail(orgId: string, user: UserRow, attempt: SignInAttempt, ip: string | null, reason: SignInFailure, attempts: number, extra: Record<string, unknown> = {}): Promise<void> {
  await recordEvent(orgId, loginEvent(user, attempt, ip, {
    action: "LOGIN_FAILED",
    status: "failed",
    reason,
    metadata: { attempts, method: reason === "bad MFA code" ? "mfa" : "password", ...extra },
  }), "console");
}

/** Counts a failure and locks the account when it reaches the limit; answers the new count. */
async function countFailure(userId: string): Promise<{ attempts: number; lockedUntil: Date | null }> {
  const { rows } = await pool().query<{ failed_attempts: number; locked_until: Date | null }>(
    `update users set failed_attempts = failed_attempts + 1,
       locked_until = case when failed_attempts + 1 >= $2 then now() + make_interval(secs => $3) else locked_until end
     where id = $1 returning failed_attempts, locked_until`,
    [userId, MAX_FAILED_ATTEMPTS, LOCK_MS / 1000],
  );
  return { attempts: rows[0]?.failed_attempts ?? 0, lockedUntil: rows[0]?.locked_until ?? null };
}

/**
 * Takes one of the account's attempts before the password is checked, in one statement:
 * parallel guesses each take their own, and once the limit is reached none is left, so 25
 * guesses at once check at most MAX_FAILED_ATTEMPTS passwords (finding 9). Undefined: locked.
 */
async function reserveAttempt(userId: string): Promise<{ attempts: number; lockedUntil: Date | null } | undefined> {
  const { rows } = await pool().query<{ failed_attempts: number; locked_until: Date | null }>(
    `update users set failed_attempts = failed_attempts + 1,
       locked_until = case when failed_attempts + 1 >= $2 then now() + make_interval(secs => $3) else locked_until end
     where id = $1 and (locked_until is null or locked_until <= now()) returning failed_attempts, locked_until`,
    [userId, MAX_FAILED_ATTEMPTS, LOCK_MS / 1000],
  );
  return rows[0] ? { attempts: rows[0].failed_attempts, lockedUntil: rows[0].locked_until } : undefined;
}

/** A right password gives its reserved attempt back (and the lock it may have set). */
async function releaseAttempt(userId: string): Promise<void> {
  await pool().query(
    `update users set failed_attempts = greatest(failed_attempts - 1, 0),
       locked_until = case when failed_attempts - 1 < $2 then null else locked_until end
     where id = $1`,
    [userId, MAX_FAILED_ATTEMPTS],
  );
}

export async function attemptSignIn(attempt: SignInAttempt, now = Date.now()): Promise<SignInOutcome> {
  const ip = attempt.ip ? (normalizeIp(attempt.ip) ?? null) : null;
  const wait = limiter.take(rateLimitKey(ip), 1, now);
  if (wait > 0) return { ok: false, code: "rate_limited", retryAfter: wait };

  const email = attempt.email.trim().toLowerCase();
  // Bound the work an attacker can ask of argon2 and of the database.
  if (!email || email.length > 320 || !attempt.password || attempt.password.length > 1024) {
    await verifyPassword(await dummy(), "x");
    return { ok: false, code: "invalid" };
  }
  const user = await findUser(email);
  if (!user || !user.password_hash || user.org_ids.length === 0) {
    // Unknown: there is no org to record it in, and the answer must look like any other failure.
    await verifyPassword(await dummy(), attempt.password);
    return { ok: false, code: "invalid" };
  }

  const subject = { ip, actors: [user.email, user.id] };
  const orgId = signInOrg(user.org_ids, attempt.orgHint, await blockingOrgs(user.org_ids, subject));
  // The org the attempt was meant for: where a refusal is recorded.
  const meant = signInOrg(user.org_ids, attempt.orgHint, [])!;

  // A locked account (too many failures) first: the record should say "locked".
  if (user.locked_until && user.locked_until.getTime() > now) {
    await verifyPassword(await dummy(), attempt.password);
    await fail(orgId ?? meant, user, attempt, ip, "locked", user.failed_attempts, { locked_until: user.locked_until.toISOString() });
    return { ok: false, code: "invalid" };
  }

  // Every org of the person blocks them: refused, and recorded only where they meant to go.
  if (!orgId) {
    const block = (await findBlock([meant], subject))!;
    await verifyPassword(await dummy(), attempt.password);
    await fail(meant, user, attempt, ip, block.kind === "actor" ? "blocked actor" : "blocked IP", user.failed_attempts, { blocklist_entry: block.value });
    return { ok: false, code: "invalid" };
  }

  if (user.locked_until) {
    // The lock ran out: the next failures count from zero again.
    await pool().query("update users set failed_attempts = 0, locked_until = null where id = $1 and locked_until <= now()", [user.id]);
    user.failed_attempts = 0;
  }

  const reserved = await reserveAttempt(user.id);
  if (!reserved) {
    // Parallel attempts used the last ones up: locked now.
    await verifyPassword(await dummy(), attempt.password);
    await fail(orgId, user, attempt, ip, "locked", MAX_FAILED_ATTEMPTS);
    return { ok: false, code: "invalid" };
  }
  if (!(await verifyPassword(user.password_hash, attempt.password))) {
    await fail(orgId, user, attempt, ip, "invalid password", reserved.attempts, reserved.lockedUntil ? { locked_until: reserved.lockedUntil.toISOString() } : {});
    return { ok: false, code: "invalid" };
  }
  await releaseAttempt(user.id);

  let method = "password";
  if (user.mfa_enabled_at) {
    // The password was right: asking for the second factor reveals nothing new.
    if (!attempt.code?.trim()) return { ok: false, code: "mfa_required" };
    const factor = await consumeSecondFactor({ id: user.id, mfaSecret: user.mfa_secret }, attempt.code);
    if (!factor) {
      const counted = await countFailure(user.id);
      await fail(orgId, user, attempt, ip, "bad MFA code", counted.attempts, counted.lockedUntil ? { locked_until: counted.lockedUntil.toISOString() } : {});
      return { ok: false, code: counted.lockedUntil ? "invalid" : "mfa_invalid" };
    }
    method = factor === "totp" ? "password+totp" : "password+recovery_code";
  }

  await pool().query("update users set failed_attempts = 0, locked_until = null where id = $1", [user.id]);
  await recordEvent(orgId, loginEvent(user, attempt, ip, {
    action: "LOGIN_SUCCESS",
    status: "success",
    metadata: { method, mfa: Boolean(user.mfa_enabled_at) },
  }), "console");
  return { ok: true, user: { id: user.id, email: user.email, name: user.name }, orgId };
}

/** LOGOUT in the org the person had open (next-auth's signOut event), else their first. */
export async function recordSignOut(userId: string, request: { ip?: string | null; userAgent?: string | null; orgId?: string | null }): Promise<void> {
  const { rows } = await pool().query<UserRow>(
    `select u.id, u.email, u.name, coalesce(array_agg(m.org_id order by m.created_at) filter (where m.org_id is not null), '{}') as org_ids
     from users u left join memberships m on m.user_id = u.id where u.id = $1 group by u.id`,
    [userId],
  );
  const user = rows[0];
  if (!user) return;
  const orgId = signInOrg(user.org_ids, request.orgId, []);
  if (!orgId) return;
  const ip = request.ip ? (normalizeIp(request.ip) ?? null) : null;
  await recordEvent(orgId, loginEvent(user, { email: user.email, password: "", userAgent: request.userAgent }, ip, {
    action: "LOGOUT",
    status: "success",
    metadata: { trigger: "user" },
  }), "console");
}
