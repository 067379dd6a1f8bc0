"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/auth/action";
import { confirmMfaEnrollment, disableMfa, regenerateRecoveryCodes, startMfaEnrollment } from "@/lib/console/account-mfa";

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
