import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { LOCK_MS, MAX_FAILED_ATTEMPTS } from "@/lib/auth/sign-in";

/**
 * The attempt limit on a signed-in person's secrets in account actions (issue 10, finding
 * 8): a TOTP or recovery code (regenerate recovery codes, disable MFA, confirm enrollment)
 * and the current password (change password). Like sign-in: MAX_FAILED_ATTEMPTS failures
 * lock that check for LOCK_MS, and the right answer is refused while locked.
 *
 * Each check takes its attempt before the secret is looked at, in one statement under the
 * row's lock, so 200 parallel guesses can't slip more than the limit past the count (the
 * count-then-check race of finding 9). A success clears the count. The count lives outside
 * the action's transaction, so a refused action (rolled back) still counts.
 */

export type CheckKind = "second_factor" | "password";

const WHAT: Record<CheckKind, string> = { second_factor: "codes", password: "passwords" };

interface Taken {
  failures: number;
  lockedUntil: Date | null;
}

/** Takes one attempt: answers the count including it, and the lock (set when the count reaches the limit). */
async function take(userId: string, kind: CheckKind): Promise<Taken> {
  const { rows } = await pool().query<{ failures: number; locked_until: Date | null }>(
    `insert into account_check_attempts as a (user_id, kind, failures, locked_until)
     values ($1, $2, 1, case when 1 >= $3 then now() + make_interval(secs => $4) end)
     on conflict (user_id, kind) do update set
       failures = case when a.locked_until <= now() then 1 else a.failures + 1 end,
       locked_until = case
         when a.locked_until <= now() then case when 1 >= $3 then now() + make_interval(secs => $4) end
         when a.locked_until is null and a.failures + 1 >= $3 then now() + make_interval(secs => $4)
         else a.locked_until end
     returning failures, locked_until`,
    [userId, kind, MAX_FAILED_ATTEMPTS, LOCK_MS / 1000],
  );
  return { failures: rows[0]!.failures, lockedUntil: rows[0]!.locked_until };
}

async function clear(userId: string, kind: CheckKind): Promise<void> {
  await pool().query("delete from account_check_attempts where user_id = $1 and kind = $2", [userId, kind]);
}

function lockedError(kind: CheckKind, lockedUntil: Date): VigilError {
  const minutes = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 60_000));
  return new VigilError(
    "rate_limited",
    `Too many wrong ${WHAT[kind]}: this check is locked for ${minutes} more minute${minutes === 1 ? "" : "s"}. Nothing was changed.`,
    { [kind === "password" ? "currentPassword" : "code"]: "locked: too many wrong attempts" },
  );
}

/**
 * Runs `action`, which checks the secret and throws when it is wrong, within the limit:
 * refuses with a `rate_limited` VigilError, without running it, once the attempts are
 * used up. A throw stays counted; success clears the count.
 */
export async function withAttemptLimit<T>(userId: string, kind: CheckKind, action: () => Promise<T>): Promise<T> {
  const taken = await take(userId, kind);
  if (taken.failures > MAX_FAILED_ATTEMPTS && taken.lockedUntil) throw lockedError(kind, taken.lockedUntil);
  const result = await action();
  await clear(userId, kind);
  return result;
}
