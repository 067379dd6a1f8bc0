import { revalidatePath } from "next/cache";
import { redirect, unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { getConsoleSession, redirectToSignIn, type ConsoleSession } from "@/lib/auth/session";
import type { Permission } from "@/lib/auth/permissions";
import { isDatabaseUnavailable } from "@/lib/db/pool";
import { VigilError, type ErrorCode } from "@/lib/errors";

/**
 * The one wrapper for the console's server actions: session, permission, input
 * validation and error mapping, so an action can't forget one. A form that shows its
 * answer beside its fields (React's useActionState) uses consoleAction, whose refusals are
 * an ActionState; a plain form post uses consoleFormAction, whose refusals come back as a
 * redirect to the page with ?error=… . Both admit a request the same way (`admit`).
 */

export type ActionState = {
  ok: boolean;
  message: string;
  /** Why a refused action was refused, for code that acts on it (the form shows `message`). */
  code?: ActionRefusal;
  fieldErrors?: Record<string, string>;
  /** Shown once, such as a new API key or recovery codes. */
  secret?: { label: string; values: string[] };
  /** Anything else a form needs back (the MFA enrollment's QR code). */
  data?: Record<string, string>;
} | null;

/** A VigilError's code, or what only an action can say: signed out, MFA to set up, an unexpected error. */
export type ActionRefusal = ErrorCode | "signed_out" | "mfa_setup" | "error";

export const forbidden = (what = "do this") => new VigilError("forbidden", `Your role doesn't allow you to ${what}.`);

/** FormData as a plain object; a name used more than once (checkboxes) becomes an array. */
export function formDataToObject(form: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    if (key.startsWith("$ACTION")) continue;
    const values = form.getAll(key).filter((v): v is string => typeof v === "string");
    out[key] = key.endsWith("[]") || values.length > 1 ? values : (values[0] ?? "");
  }
  return out;
}

export function zodFieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form").replace(/\[\]$/, "");
    out[key] ??= issue.message;
  }
  return out;
}

/** The server-action mapper of lib/errors.ts: a VigilError as the state a form shows. */
export function refusalState(err: VigilError): ActionState {
  const fieldErrors = err.fieldErrors;
  return { ok: false, code: err.code, message: err.message, ...(fieldErrors ? { fieldErrors } : {}) };
}

type Admission<T> = { session: ConsoleSession; input: T } | { refusal: ActionState & { code: ActionRefusal } };

/** The checks every action makes before it runs: a live session, MFA set up, the permission, valid input. */
async function admit<S extends z.ZodType>(
  opts: { permission?: Permission; input: S; allowMfaSetup?: boolean },
  form: FormData,
): Promise<Admission<z.output<S>>> {
  const session = await getConsoleSession();
  if (!session) return { refusal: { ok: false, code: "signed_out", message: "Your session has ended. Sign in again." } };
  if (session.mfaSetupRequired && !opts.allowMfaSetup) return { refusal: { ok: false, code: "mfa_setup", message: "Your organization requires MFA: set it up first." } };
  if (opts.permission && !session.permissions.includes(opts.permission)) return { refusal: { ok: false, code: "forbidden", message: "Your role doesn't allow this action." } };
  const parsed = opts.input.safeParse(formDataToObject(form));
  if (!parsed.success) return { refusal: { ok: false, code: "invalid_request", message: "Check the highlighted fields.", fieldErrors: zodFieldErrors(parsed.error) } };
  return { session, input: parsed.data };
}

/** What an action answers for an error it didn't expect; the detail goes to the server log only. */
function unexpected(err: unknown): ActionState & { code: ActionRefusal } {
  if (isDatabaseUnavailable(err)) return { ok: false, code: "unavailable", message: "The database is unavailable right now; nothing was changed. Try again shortly." };
  console.error("[vigil] console action failed", err);
  return { ok: false, code: "error", message: "Something went wrong; nothing was changed." };
}

export function consoleAction<S extends z.ZodType>(
  opts: { permission?: Permission; input: S; allowMfaSetup?: boolean },
  fn: (session: ConsoleSession, input: z.output<S>) => Promise<ActionState | void>,
): (prev: ActionState, form: FormData) => Promise<ActionState> {
  return async (_prev, form) => {
    try {
      const admitted = await admit(opts, form);
      if ("refusal" in admitted) return admitted.refusal;
      return (await fn(admitted.session, admitted.input)) ?? { ok: true, message: "Saved." };
    } catch (err) {
      // redirect() and notFound() inside an action work by throwing: Next's own check lets them through.
      unstable_rethrow(err);
      if (err instanceof VigilError) return refusalState(err);
      return unexpected(err);
    }
  };
}

/**
 * The same checks for a plain form post (`<form action={…}>`, no client state): `fn` does
 * the work and answers where to go next; a refusal goes back to `back` (the page the form is
 * on, from the input when it parsed) with ?error=<message>; a role without the permission
 * reads "Your role doesn't allow you to <what>.", which the page shows. Signed out
 * goes to sign-in, an MFA setup still due to account settings. `revalidate` is the path
 * whose cached render a success makes stale.
 */
export function consoleFormAction<S extends z.ZodType>(
  opts: {
    /** None: any member of the org. */
    permission?: Permission;
    what?: string;
    input: S;
    back: (input: z.output<S> | undefined) => string;
    revalidate?: string;
    allowMfaSetup?: boolean;
  },
  fn: (session: ConsoleSession, input: z.output<S>) => Promise<string>,
): (form: FormData) => Promise<void> {
  return async (form) => {
    let next: string;
    let back = opts.back(undefined);
    try {
      const admitted = await admit(opts, form);
      if ("refusal" in admitted) {
        if (admitted.refusal.code === "signed_out") return redirectToSignIn();
        if (admitted.refusal.code === "mfa_setup") redirect("/settings/account?mfa=required");
        // No fields to show a message beside: the page shows the first one, or what the role lacks.
        const { code, fieldErrors, message: said } = admitted.refusal;
        const message = code === "forbidden" ? forbidden(opts.what).message : (fieldErrors && Object.values(fieldErrors)[0]) || said;
        redirect(`${back}?error=${encodeURIComponent(message)}`);
      }
      back = opts.back(admitted.input);
      next = await fn(admitted.session, admitted.input);
    } catch (err) {
      unstable_rethrow(err);
      const message = err instanceof VigilError ? err.message : unexpected(err).message;
      redirect(`${back}?error=${encodeURIComponent(message)}`);
    }
    if (opts.revalidate) revalidatePath(opts.revalidate);
    redirect(next);
  };
}

/** A form field that may be sent zero, one or many times (checkboxes): always an array. */
export const formList = z.preprocess((v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(100)).max(50));

/** A checkbox: present means on. */
export const formFlag = z.preprocess((v) => v === "on" || v === "true", z.boolean());
