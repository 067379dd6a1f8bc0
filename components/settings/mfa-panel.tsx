"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/http/action";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/field";
import { Notice } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/**
 * The person's own TOTP: set up (QR code, then a code to confirm, then recovery codes shown
 * once), replace the recovery codes (with a current code; the new ones shown once) or turn
 * off (with a current code). One component in every state, so the recovery codes stay on
 * screen after the page refreshes.
 */
export function MfaPanel({
  enabled, requiredBy, recoveryCodesLeft, start, confirm, disable, regenerate,
}: {
  enabled: boolean;
  requiredBy: string[];
  recoveryCodesLeft: number;
  start: Action;
  confirm: Action;
  disable: Action;
  regenerate: Action;
}) {
  const [started, startAction, starting] = useActionState(start, null);
  const [confirmed, confirmAction, confirming] = useActionState(confirm, null);
  const [disabled, disableAction, disabling] = useActionState(disable, null);
  const [regenerated, regenerateAction, regenerating] = useActionState(regenerate, null);

  if (confirmed?.ok && confirmed.secret) {
    return (
      <div className="space-y-3" data-testid="mfa-enabled">
        <Notice tone="success">{confirmed.message}</Notice>
        <p className="text-sm">{confirmed.secret.label}</p>
        <pre className="grid grid-cols-2 gap-1 rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-sm dark:border-slate-800 dark:bg-slate-950" data-testid="recovery-codes">
          {confirmed.secret.values.map((c) => <span key={c}>{c}</span>)}
        </pre>
      </div>
    );
  }

  if (enabled) {
    return (
      <div className="space-y-4">
        <p className="flex items-center gap-2 text-sm">
          <Badge tone="green">On</Badge> Authenticator app · <span data-testid="recovery-codes-left">{recoveryCodesLeft} recovery code{recoveryCodesLeft === 1 ? "" : "s"} left</span>
        </p>
        {regenerated?.ok && regenerated.secret ? (
          <div className="space-y-3" data-testid="recovery-codes-regenerated">
            <Notice tone="success">{regenerated.message}</Notice>
            <p className="text-sm">{regenerated.secret.label}</p>
            <pre className="grid grid-cols-2 gap-1 rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-sm dark:border-slate-800 dark:bg-slate-950" data-testid="new-recovery-codes">
              {regenerated.secret.values.map((c) => <span key={c}>{c}</span>)}
            </pre>
          </div>
        ) : (
          <form action={regenerateAction} className="flex flex-wrap items-end gap-2" data-testid="regenerate-codes">
            <Field id="regenerate-code" label="New recovery codes: enter a current code from your app" error={regenerated?.fieldErrors?.code}>
              <Input id="regenerate-code" name="code" inputMode="numeric" autoComplete="one-time-code" className="w-48 font-mono" invalid={Boolean(regenerated?.fieldErrors?.code)} />
            </Field>
            <Button type="submit" variant="secondary" disabled={regenerating}>Replace recovery codes</Button>
            {regenerated && !regenerated.ok && <p role="status" className="text-sm text-red-600">{regenerated.message}</p>}
          </form>
        )}
        {requiredBy.length > 0 ? (
          <p className="text-sm text-slate-500">Required by {requiredBy.join(", ")}, so it stays on.</p>
        ) : (
          <form action={disableAction} className="flex flex-wrap items-end gap-2">
            <Field id="disable-code" label="Turn off: enter a current code" error={disabled?.fieldErrors?.code}>
              <Input id="disable-code" name="code" autoComplete="one-time-code" className="w-48 font-mono" invalid={Boolean(disabled?.fieldErrors?.code)} />
            </Field>
            <Button type="submit" variant="danger" disabled={disabling}>Turn off MFA</Button>
            {disabled && <p role="status" className={disabled.ok ? "text-sm text-emerald-700" : "text-sm text-red-600"}>{disabled.message}</p>}
          </form>
        )}
      </div>
    );
  }

  if (!started?.ok || !started.data) {
    return (
      <form action={startAction} className="space-y-3">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Protect your account with a 6-digit code from an authenticator app (1Password, Google Authenticator, Authy…) at each sign-in.
        </p>
        <Button type="submit" disabled={starting} data-testid="mfa-start">Set up two-factor authentication</Button>
        {started && !started.ok && <p role="status" className="text-sm text-red-600">{started.message}</p>}
      </form>
    );
  }

  return (
    <div className="grid gap-5 sm:grid-cols-[12rem_1fr]">
      {/* The SVG comes from the qrcode library on our server, not from user input. */}
      <div className="rounded-md border border-slate-200 bg-white p-2" aria-label="QR code for your authenticator app" role="img" dangerouslySetInnerHTML={{ __html: started.data.qrSvg ?? "" }} />
      <form action={confirmAction} className="space-y-3">
        <p className="text-sm">1. Scan the QR code with your authenticator app, or enter this key by hand:</p>
        <code className="block break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs dark:bg-slate-800" data-testid="mfa-secret">{started.data.secret}</code>
        <p className="text-sm">2. Enter the 6-digit code the app shows:</p>
        <div className="flex items-end gap-2">
          <Field id="mfa-code" label="Code" error={confirmed?.fieldErrors?.code}>
            <Input id="mfa-code" name="code" inputMode="numeric" autoComplete="one-time-code" className="w-36 font-mono tracking-widest" invalid={Boolean(confirmed?.fieldErrors?.code)} />
          </Field>
          <Button type="submit" disabled={confirming}>Turn on</Button>
        </div>
        {confirmed && !confirmed.ok && <p role="status" className="text-sm text-red-600">{confirmed.message}</p>}
      </form>
    </div>
  );
}
