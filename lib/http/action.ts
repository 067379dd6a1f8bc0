import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { getConsoleSession, type ConsoleSession } from "@/lib/auth/session";
import type { Permission } from "@/lib/auth/permissions";
import { isDatabaseUnavailable } from "@/lib/db/pool";
import { VigilError, type ErrorCode } from "@/lib/errors";

/**
 * The one wrapper for the console's server actions: session, permission, input
 * validation and error mapping, so an action can't forget one. Actions answer an
 * ActionState that forms show beside their fields (React's useActionState).
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

export function consoleAction<S extends z.ZodType>(
  opts: { permission?: Permission; input: S; allowMfaSetup?: boolean },
  fn: (session: ConsoleSession, input: z.output<S>) => Promise<ActionState | void>,
): (prev: ActionState, form: FormData) => Promise<ActionState> {
  return async (_prev, form) => {
    try {
      const session = await getConsoleSession();
      if (!session) return { ok: false, code: "signed_out", message: "Your session has ended. Sign in again." };
      if (session.mfaSetupRequired && !opts.allowMfaSetup) return { ok: false, code: "mfa_setup", message: "Your organization requires MFA: set it up first." };
      if (opts.permission && !session.permissions.includes(opts.permission)) return { ok: false, code: "forbidden", message: "Your role doesn't allow this action." };
      const parsed = opts.input.safeParse(formDataToObject(form));
      if (!parsed.success) return { ok: false, code: "invalid_request", message: "Check the highlighted fields.", fieldErrors: zodFieldErrors(parsed.error) };
      return (await fn(session, parsed.data)) ?? { ok: true, message: "Saved." };
    } catch (err) {
      // redirect() and notFound() inside an action work by throwing: Next's own check lets them through.
      unstable_rethrow(err);
      if (err instanceof VigilError) return refusalState(err);
      if (isDatabaseUnavailable(err)) return { ok: false, code: "unavailable", message: "The database is unavailable right now; nothing was changed. Try again shortly." };
      console.error("[vigil] console action failed", err);
      return { ok: false, code: "error", message: "Something went wrong; nothing was changed." };
    }
  };
}

/** A form field that may be sent zero, one or many times (checkboxes): always an array. */
export const formList = z.preprocess((v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(100)).max(50));

/** A checkbox: present means on. */
export const formFlag = z.preprocess((v) => v === "on" || v === "true", z.boolean());
