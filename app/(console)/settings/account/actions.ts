"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { confirmMfaEnrollment, disableMfa, regenerateRecoveryCodes, startMfaEnrollment } from "@/lib/console/account-mfa";
import { changeOwnPassword } from "@/lib/console/account-password";
import { revokeOwnOtherSessions, revokeOwnSession } from "@/lib/console/account-sessions";
import { PASSWORD_MAX_LENGTH } from "@/lib/auth/passwords";

/** Everyone manages their own MFA, including people whose org requires it and who have none yet. */
const own = { allowMfaSetup: true } as const;

export const startMfaAction = consoleAction({ ...own, input: z.object({}) }, async (session) => {
  const { secret, qrSvg } = await startMfaEnrollment({ id: session.user.id, email: session.user.email });
  return { ok: true, message: "Scan the QR code with your authenticator app.", data: { secret, qrSvg } };
});

export const confirmMfaAction = consoleAction(
  { ...own, input: z.object({ code: z.string().trim().regex(/^\d{6}$/, "enter the 6-digit code") }) },
  async (session, input) => {
    const { recoveryCodes } = await confirmMfaEnrollment(session.actor, input.code);
    revalidatePath("/", "layout");
    return {
      ok: true,
      message: "Two-factor authentication is on.",
      secret: { label: "Recovery codes, shown only now. Each signs you in once if you lose your phone; keep them somewhere safe.", values: recoveryCodes },
    };
  },
);

export const disableMfaAction = consoleAction(
  { ...own, input: z.object({ code: z.string().trim().min(6, "enter a code").max(20) }) },
  async (session, input) => {
    await disableMfa(session.actor, input.code);
    revalidatePath("/", "layout");
    return { ok: true, message: "Two-factor authentication is off." };
  },
);

export const regenerateRecoveryCodesAction = consoleAction(
  { ...own, input: z.object({ code: z.string().trim().regex(/^\d{6}$/, "enter the 6-digit code from your app") }) },
  async (session, input) => {
    const { recoveryCodes } = await regenerateRecoveryCodes(session.actor, input.code);
    revalidatePath("/settings/account");
    return {
      ok: true,
      message: "New recovery codes: the old ones no longer work.",
      secret: { label: "Recovery codes, shown only now. Each signs you in once if you lose your phone; keep them somewhere safe.", values: recoveryCodes },
    };
  },
);

const password = z.string().min(1, "enter a password").max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`);

export const changePasswordAction = consoleAction(
  {
    ...own,
    input: z.object({ currentPassword: password, newPassword: password, confirmPassword: z.string().max(PASSWORD_MAX_LENGTH) })
      .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "doesn't match the new password" }),
  },
  async (session, input) => {
    const { otherSessionsEnded } = await changeOwnPassword(session.actor, session.sessionId, input);
    revalidatePath("/settings/account");
    const ended = otherSessionsEnded === 0 ? "" : ` ${otherSessionsEnded} other session${otherSessionsEnded === 1 ? " was" : "s were"} signed out.`;
    return { ok: true, message: `Your password is changed.${ended}` };
  },
);

export const revokeSessionAction = consoleAction(
  { ...own, input: z.object({ sessionId: z.string().uuid("choose a session") }) },
  async (session, input) => {
    await revokeOwnSession(session.actor, session.sessionId, input.sessionId);
    revalidatePath("/settings/account");
    return { ok: true, message: "That session is signed out." };
  },
);

export const revokeOtherSessionsAction = consoleAction({ ...own, input: z.object({}) }, async (session) => {
  const ended = await revokeOwnOtherSessions(session.actor, session.sessionId);
  revalidatePath("/settings/account");
  return { ok: true, message: ended === 0 ? "No other session was open." : `Signed out of ${ended} other session${ended === 1 ? "" : "s"}.` };
});
