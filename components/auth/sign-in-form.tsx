"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/field";
import { Notice } from "@/components/ui/alert";

/** One message for every credential failure: it must not tell whether an account exists. */
const GENERIC = "Sign-in failed. Check your email and password and try again.";

function messageFor(error: string | undefined): string | undefined {
  if (!error) return undefined;
  if (error === "mfa_invalid") return "That code didn't work. Enter the current 6-digit code from your authenticator app, or a recovery code.";
  if (error === "rate_limited") return "Too many sign-in attempts from your network. Wait a minute, then try again.";
  if (error === "mfa_required") return undefined;
  if (error === "SessionRequired") return "Sign in to continue.";
  return GENERIC;
}

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<string | undefined>(messageFor(initialError));
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      const res = await signIn("credentials", { email, password, code: needsCode ? code : "", redirect: false });
      if (res?.ok && !res.error) {
        router.replace(callbackUrl);
        router.refresh();
        return;
      }
      if (res?.error === "mfa_required") {
        setNeedsCode(true);
      } else {
        if (res?.error !== "mfa_invalid") {
          setNeedsCode(false);
          setCode("");
          setPassword("");
        } else {
          setCode("");
        }
        setError(messageFor(res?.error ?? "CredentialsSignin"));
      }
    } catch {
      setError("Vigil could not be reached. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <h1 className="text-base font-semibold">{needsCode ? "Two-factor authentication" : "Sign in to your organization"}</h1>
      <p className="mt-1 text-sm text-slate-500 dark:text-slate-400">
        {needsCode ? "Enter the 6-digit code from your authenticator app, or one of your recovery codes." : "Use the email and password of your Vigil account."}
      </p>
      <form onSubmit={submit} className="mt-5 space-y-4" noValidate>
        {!needsCode ? (
          <>
            <Field id="email" label="Email">
              <Input id="email" name="email" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
            </Field>
            <Field id="password" label="Password">
              <Input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
          </>
        ) : (
          <Field id="code" label="Authentication code">
            <Input
              id="code"
              name="code"
              inputMode="text"
              autoComplete="one-time-code"
              autoFocus
              required
              placeholder="123456"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              className="font-mono tracking-widest"
            />
          </Field>
        )}
        {error && <Notice tone="error" testId="sign-in-error">{error}</Notice>}
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? "Signing in…" : needsCode ? "Verify" : "Sign in"}
        </Button>
        {needsCode && (
          <button
            type="button"
            className="w-full text-center text-sm text-slate-500 underline-offset-2 hover:underline"
            onClick={() => {
              setNeedsCode(false);
              setCode("");
              setPassword("");
            }}
          >
            Use a different account
          </button>
        )}
      </form>
      <p className="mt-5 text-xs text-slate-500">After repeated failed attempts an account is locked for 15 minutes.</p>
    </div>
  );
}
