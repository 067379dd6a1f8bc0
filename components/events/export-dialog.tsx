"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field, inputClass } from "@/components/ui/field";
import { cx } from "@/components/ui/cx";

type Format = "csv" | "zip" | "ndjson";

const FORMAT_LABELS: Record<Format, string> = { csv: "CSV (spreadsheets)", zip: "CSV with its proof (ZIP)", ndjson: "NDJSON (verifiable offline)" };
type Progress = { records: number; total: number | null; status: "starting" | "running" | "done" | "failed" };

const POLL_MS = 600;
const START_GRACE_POLLS = 8;

/**
 * Export of the search on screen: asks which format and why (the reason is recorded in the
 * DATA_EXPORTED event), then lets the browser download the stream to disk as it comes and
 * polls the server for how far it has got, so a large export shows a progress bar.
 */
export function ExportDialog({ baseParams }: { baseParams: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [format, setFormat] = useState<Format>("csv");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string>();
  const [exportId, setExportId] = useState<string>();
  const [progress, setProgress] = useState<Progress>();

  useEffect(() => {
    if (!exportId) return;
    let misses = 0;
    let stopped = false;
    const timer = setInterval(async () => {
      const res = await fetch(`/events/export/progress?id=${exportId}`, { cache: "no-store" }).catch(() => null);
      if (stopped) return;
      if (res?.status === 404 && ++misses < START_GRACE_POLLS) return;
      if (!res?.ok) {
        setProgress((p) => ({ records: p?.records ?? 0, total: p?.total ?? null, status: "failed" }));
        clearInterval(timer);
        return;
      }
      const next = (await res.json()) as Omit<Progress, "status"> & { status: "running" | "done" | "failed" };
      setProgress(next);
      if (next.status !== "running") clearInterval(timer);
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [exportId]);

  const start = (e: React.FormEvent) => {
    e.preventDefault();
    if (reason.trim().length < 3) {
      setError("Say why these events are exported (at least 3 characters); it is recorded with the export.");
      return;
    }
    setError(undefined);
    const id = crypto.randomUUID();
    const link = document.createElement("a");
    link.href = `/events/export?format=${format}&reason=${encodeURIComponent(reason.trim())}&export_id=${id}&${baseParams}`;
    link.download = "";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setProgress({ records: 0, total: null, status: "starting" });
    setExportId(id);
  };

  const reset = () => {
    setExportId(undefined);
    setProgress(undefined);
    setReason("");
  };

  const busy = progress && (progress.status === "starting" || progress.status === "running");
  return (
    <>
      <Button variant="secondary" size="sm" onClick={() => dialog.current?.showModal()} data-testid="export-open">
        Export…
      </Button>
      <dialog
        ref={dialog}
        aria-labelledby="export-title"
        className="m-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-100"
        data-testid="export-dialog"
      >
        <form onSubmit={start} className="space-y-4 p-5">
          <h2 id="export-title" className="text-base font-semibold">Export these events</h2>
          <p className="text-sm text-slate-500">Exactly the search on screen, every matching event, in chain order with the chain fields.</p>
          <fieldset disabled={busy} className="space-y-4">
            <div role="radiogroup" aria-label="Format" className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
              {(["csv", "zip", "ndjson"] as const).map((f) => (
                <label key={f} className="flex items-center gap-1.5">
                  <input type="radio" name="format" value={f} checked={format === f} onChange={() => setFormat(f)} />
                  {FORMAT_LABELS[f]}
                </label>
              ))}
            </div>
            <Field id="export-reason" label="Reason" hint="Recorded in the audit trail with the export." error={error}>
              <textarea
                id="export-reason"
                name="reason"
                value={reason}
                maxLength={500}
                rows={3}
                onChange={(e) => setReason(e.target.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? "export-reason-error" : undefined}
                placeholder="Quarterly access review for the SOC 2 audit"
                className={cx(inputClass(Boolean(error)), "h-auto py-2")}
              />
            </Field>
          </fieldset>
          {progress && <ExportProgressBar progress={progress} />}
          <div className="flex justify-end gap-2">
            {progress && !busy && (
              <Button type="button" variant="ghost" size="sm" onClick={reset}>New export</Button>
            )}
            <Button type="button" variant="secondary" size="sm" onClick={() => dialog.current?.close()}>Close</Button>
            {!progress && <Button type="submit" size="sm" data-testid="export-start">Export</Button>}
          </div>
        </form>
      </dialog>
    </>
  );
}

function ExportProgressBar({ progress }: { progress: Progress }) {
  const { records, total, status } = progress;
  const n = (v: number) => v.toLocaleString("en-US");
  const text =
    status === "starting" ? "Starting the export…"
    : status === "running" ? (total !== null ? `Exported ${n(records)} of ${n(total)} events…` : `Exported ${n(records)} events…`)
    : status === "done" ? `Done: ${n(records)} events exported. The file is in your downloads.`
    : `The export stopped after ${n(records)} events. Check the search and try again.`;
  return (
    <div className="space-y-1.5" data-testid="export-progress" data-status={status}>
      <progress
        className="h-2 w-full overflow-hidden rounded accent-indigo-600"
        value={status === "done" ? 1 : total ? Math.min(records / total, 1) : undefined}
        max={1}
        aria-label="Export progress"
      />
      <p role="status" className={cx("text-sm", status === "failed" ? "text-red-600 dark:text-red-400" : "text-slate-600 dark:text-slate-400")}>{text}</p>
    </div>
  );
}
