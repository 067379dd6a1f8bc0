"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { clientIpFromHeaders } from "@/lib/net/client-ip";
import { formDataToObject, refusalState, zodFieldErrors, type ActionState } from "@/lib/http/action";
import { VigilError } from "@/lib/errors";
import { getConsoleSession } from "@/lib/auth/session";
import { acceptAsNewPerson, acceptAsSignedIn, PASSWORD_MAX, PASSWORD_MIN } from "@/lib/console/invitations";

/**
 * The invitation page's two ways in (issue 10, finding 1): a new person sets their own
 * password (then signs in with it), or the signed-in holder of the invited address accepts.
 */

const refusal = (err: unknown): ActionState => {
  if (err instanceof VigilError) return refusalState(err);
  throw err;
};

const newPerson = z.object({
  token: z.string().min(1).max(100),
  name: z.string().trim().min(1, "enter your name").max(200),
  password: z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX),
});

export async function acceptAsNewPersonAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const parsed = newPerson.safeParse(formDataToObject(form));
  if (!parsed.success) return { ok: false, code: "invalid_request", message: "Check the highlighted fields.", fieldErrors: zodFieldErrors(parsed.error) };
  const h = await headers();
  try {
    const { email } = await acceptAsNewPerson(parsed.data.token, parsed.data, { ip: clientIpFromHeaders((n) => h.get(n)) ?? null, userAgent: h.get("user-agent") });
    return { ok: true, message: `Your account is ready: sign in as ${email} with the password you chose.` };
  } catch (err) {
    return refusal(err);
  }
}

export async function acceptAsSignedInAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const parsed = z.object({ token: z.string().min(1).max(100) }).safeParse(formDataToObject(form));
  if (!parsed.success) return { ok: false, code: "invalid_request", message: "This invitation link can't be used." };
  const session = await getConsoleSession();
  if (!session) return { ok: false, code: "signed_out", message: "Sign in as the invited address to accept." };
  try {
    await acceptAsSignedIn(parsed.data.token, session.actor);
  } catch (err) {
    return refusal(err);
  }
  redirect("/");
}
