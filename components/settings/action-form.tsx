"use client";

import { createContext, useActionState, useContext, useEffect, useRef, useState } from "react";
import { useFormStatus } from "react-dom";
import type { ActionState } from "@/lib/http/action";
import { Button } from "@/components/ui/button";
import { Field, Input, Select } from "@/components/ui/field";
import { Notice } from "@/components/ui/alert";
import { cx } from "@/components/ui/cx";

const FormState = createContext<ActionState>(null);

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/**
 * A form bound to a console server action: shows the action's message, its per-field
 * errors beside the fields, and a secret shown once (a new API key, recovery codes).
 */
export function ActionForm({
  action,
  submitLabel,
  submitVariant = "primary",
  confirm,
  inline = false,
  resetOnSuccess = false,
  className,
  testId,
  children,
}: {
  action: Action;
  submitLabel: string;
  submitVariant?: "primary" | "secondary" | "danger" | "ghost";
  confirm?: string;
  inline?: boolean;
  resetOnSuccess?: boolean;
  className?: string;
  testId?: string;
  children?: React.ReactNode;
}) {
  const [state, formAction] = useActionState(action, null);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state?.ok && resetOnSuccess) form.current?.reset();
  }, [state, resetOnSuccess]);
  return (
    <FormState.Provider value={state}>
      <form
        ref={form}
        action={formAction}
        data-testid={testId}
        className={cx(inline ? "flex flex-wrap items-end gap-2" : "space-y-4", className)}
        onSubmit={(e) => {
          if (confirm && !window.confirm(confirm)) e.preventDefault();
        }}
      >
        {children}
        <div className={cx("flex flex-wrap items-center gap-3", inline && "contents")}>
          <SubmitButton label={submitLabel} variant={submitVariant} small={inline} />
          {!inline && state && !state.secret && (
            <p role="status" className={cx("text-sm", state.ok ? "text-emerald-700 dark:text-emerald-400" : "text-red-600 dark:text-red-400")} data-testid="form-message">
              {state.message}
            </p>
          )}
        </div>
        {inline && state && (
          <p role="status" className={cx("basis-full text-xs", state.ok ? "text-emerald-700 dark:text-emerald-400" : "text-red-600 dark:text-red-400")} data-testid="form-message">
            {state.message}
          </p>
        )}
        {state?.secret && <SecretOnce label={state.secret.label} values={state.secret.values} message={state.message} />}
      </form>
    </FormState.Provider>
  );
}

function SubmitButton({ label, variant, small }: { label: string; variant: "primary" | "secondary" | "danger" | "ghost"; small: boolean }) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" variant={variant} size={small ? "sm" : "md"} disabled={pending}>
      {pending ? "Working…" : label}
    </Button>
  );
}

function SecretOnce({ label, values, message }: { label: string; values: string[]; message: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Notice tone="success" className="space-y-2" testId="secret-once">
      <p className="font-medium">{message}</p>
      <p className="text-xs">{label}</p>
      <pre className="overflow-x-auto rounded bg-white/70 p-2 font-mono text-xs text-slate-900 dark:bg-slate-950 dark:text-slate-100" data-testid="secret-values">
        {values.join("\n")}
      </pre>
      <button
        type="button"
        className="text-xs font-medium underline"
        onClick={() => {
          void navigator.clipboard?.writeText(values.join("\n")).then(() => setCopied(true));
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </Notice>
  );
}

export function useFieldError(name: string): string | undefined {
  return useContext(FormState)?.fieldErrors?.[name];
}

export function FormInput({ name, label, hint, className, ...props }: { name: string; label: string; hint?: string; className?: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  const error = useFieldError(name);
  const id = props.id ?? `f-${name}`;
  return (
    <Field id={id} label={label} hint={hint} error={error} className={className}>
      <Input id={id} name={name} invalid={Boolean(error)} {...props} />
    </Field>
  );
}

export function FormSelect({
  name, label, options, hint, className, ...props
}: { name: string; label: string; hint?: string; className?: string; options: { value: string; label: string }[] } & React.SelectHTMLAttributes<HTMLSelectElement>) {
  const error = useFieldError(name);
  const id = props.id ?? `f-${name}`;
  return (
    <Field id={id} label={label} hint={hint} error={error} className={className}>
      <Select id={id} name={name} invalid={Boolean(error)} {...props}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>{o.label}</option>
        ))}
      </Select>
    </Field>
  );
}

export function FormCheckboxes({
  name, legend, options, defaultValues = [],
}: { name: string; legend: string; options: { value: string; label: string; description?: string; disabled?: boolean }[]; defaultValues?: string[] }) {
  const error = useFieldError(name);
  return (
    <fieldset>
      <legend className="mb-1.5 text-xs font-medium text-slate-600 dark:text-slate-400">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {options.map((o) => (
          <label key={o.value} className={cx("flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm dark:border-slate-800", o.disabled && "opacity-50")}>
            <input type="checkbox" name={name} value={o.value} defaultChecked={defaultValues.includes(o.value)} disabled={o.disabled} className="mt-0.5 size-4 accent-indigo-600" />
            <span>
              <span className="block font-medium">{o.label}</span>
              {o.description && <span className="block text-xs text-slate-500">{o.description}</span>}
            </span>
          </label>
        ))}
      </div>
      {error && <p className="mt-1 text-xs text-red-600 dark:text-red-400">{error}</p>}
    </fieldset>
  );
}

export function FormCheckbox({ name, label, description, defaultChecked }: { name: string; label: string; description?: string; defaultChecked?: boolean }) {
  const error = useFieldError(name);
  return (
    <div>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name={name} value="on" defaultChecked={defaultChecked} className="mt-0.5 size-4 accent-indigo-600" />
        <span>
          <span className="block font-medium">{label}</span>
          {description && <span className="block text-xs text-slate-500">{description}</span>}
        </span>
      </label>
      {error && <p className="mt-1 text-xs text-red-600 dark:text-red-400">{error}</p>}
    </div>
  );
}
