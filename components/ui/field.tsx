import { cx } from "@/components/ui/cx";

export const inputClass = (invalid?: boolean) =>
  cx(
    "block h-9 w-full rounded-md border bg-white px-2.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-400",
    "focus:outline-2 focus:outline-offset-0 focus:outline-indigo-500 dark:bg-slate-900 dark:text-slate-100",
    invalid ? "border-red-500 dark:border-red-500" : "border-slate-300 dark:border-slate-700",
  );

/** A label, its control, a hint and the error that explains what is wrong, beside the field. */
export function Field({
  id,
  label,
  hint,
  error,
  className,
  children,
}: {
  id: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  error?: string;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div className={cx("min-w-0", className)}>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-600 dark:text-red-400" data-testid={`${id}-error`}>
          {error}
        </p>
      ) : hint ? (
        <p className="mt-1 text-xs text-slate-500">{hint}</p>
      ) : null}
    </div>
  );
}

export function Input({ invalid, className, ...props }: React.InputHTMLAttributes<HTMLInputElement> & { invalid?: boolean }) {
  return (
    <input
      className={cx(inputClass(invalid), className)}
      aria-invalid={invalid || undefined}
      aria-describedby={invalid && props.id ? `${props.id}-error` : undefined}
      {...props}
    />
  );
}

export function Select({ invalid, className, ...props }: React.SelectHTMLAttributes<HTMLSelectElement> & { invalid?: boolean }) {
  return <select className={cx(inputClass(invalid), "pr-8", className)} aria-invalid={invalid || undefined} {...props} />;
}
