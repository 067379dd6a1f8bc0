import { requesterFields, type Requester } from "@/lib/audit/actor";
import { VigilError } from "@/lib/errors";
import { CSV_COLUMNS, exportStream, type ExportFormat } from "@/lib/events/export";
import { startExportRun } from "@/lib/events/export-runs";
import type { EventFilter } from "@/lib/events/filter";
import { recordEvent } from "@/lib/events/ingest";
import { formatQuery } from "@/lib/events/query-language";
import { toDraft } from "@/lib/events/record";
import { prepareExportProof } from "@/lib/integrity/prove-export";

/**
 * The one use case behind every export, whichever entry point asks (an API key's
 * GET /api/v1/exports, the search page's download): check that the DATA_EXPORTED record can
 * be written before any byte goes out, start the console's progress run when one is asked
 * for, stream exactly the filter, and record DATA_EXPORTED with the count when the stream
 * ends (or the client goes away). Refusals are VigilErrors; a statement past its time limit
 * is left to the entry point's mapper.
 */

export interface ExportRequest {
  filter: EventFilter;
  format: ExportFormat;
  reason?: string;
  /** Who exports, and from where: the DATA_EXPORTED event's actor and context. */
  who: Requester;
  /** The search page's progress run (polled at /events/export/progress), by the id the page made. */
  progress?: { id: string; userId: string };
}

export interface ExportFile {
  body: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  zip: "application/zip",
};

export async function startExport(orgId: string, r: ExportRequest): Promise<ExportFile> {
  const filterText = formatQuery(r.filter);
  const record = (records: number, completed: boolean) => ({
    action: "DATA_EXPORTED",
    status: completed ? "success" : "failed",
    ...requesterFields(r.who),
    targets: [{ type: "audit_log", id: orgId, name: "Audit events" }],
    ...(r.reason ? { reason: r.reason } : {}),
    metadata: { type: `Audit events ${r.format.toUpperCase()}`, records, fields: [...CSV_COLUMNS], filter: filterText, format: r.format },
  });
  // The export's record is written when it ends: make sure now that it can be, before any byte goes out.
  const check = toDraft(record(0, true), r.who.source);
  if (!check.ok) throw new VigilError("invalid_request", "this export can't be recorded", check.errors);
  const progress = r.progress
    ? await startExportRun({ id: r.progress.id, orgId, userId: r.progress.userId, format: r.format, filter: filterText, reason: r.reason ?? "" }, r.filter)
    : null;
  if (r.progress && !progress) throw new VigilError("conflict", "export_id is already used; start a new export.");
  // An NDJSON export ends with its proof line; a ZIP carries the CSV with that NDJSON (docs/integrity.md).
  const proof = r.format !== "csv" ? await prepareExportProof(orgId, filterText) : undefined;
  let body: ReadableStream<Uint8Array>;
  try {
    body = await exportStream(
      orgId,
      r.filter,
      r.format,
      async (records, completed) => {
        await recordEvent(orgId, record(records, completed), r.who.source);
        await progress?.finish(records, completed);
      },
      progress ? (records) => progress.advance(records) : undefined,
      proof,
    );
  } catch (err) {
    // A failed start has already been recorded by the stream's onDone (and its progress run
    // closed); a refusal for want of a free export slot records nothing, so close the run here.
    if (err instanceof VigilError && err.code === "unavailable") await progress?.finish(0, false);
    throw err;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return {
    body,
    headers: {
      "Content-Type": CONTENT_TYPES[r.format],
      "Content-Disposition": `attachment; filename="vigil-events-${stamp}.${r.format}"`,
      "Cache-Control": "no-store",
    },
  };
}
