import { cx } from "@/components/ui/cx";

/** An inline message. `role="status"` (polite) by default: Next's route announcer already owns role="alert". */
export function Notice({ tone = "info", children, className, testId }: { tone?: "info" | "error" | "success" | "warning"; children: React.ReactNode; className?: string; testId?: string }) {
  const tones = {
    info: "border-slate-200 bg-slate-50 text-slate-700 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-300",
    error: "border-red-200 bg-red-50 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-300",
    success: "border-emerald-200 bg-emerald-50 text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-300",
    warning: "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-300",
  } as const;
  return (
    <div role="status" data-testid={testId} className={cx("rounded-md border px-3 py-2 text-sm", tones[tone], className)}>
      {children}
    </div>
  );
}
