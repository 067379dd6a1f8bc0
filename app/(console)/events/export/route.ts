import { z } from "zod";
import { consoleRoute } from "@/lib/http/console-route";
import { CSV_COLUMNS, EXPORT_FORMATS, ExportsBusyError, exportStream } from "@/lib/events/export";
import { startExportRun } from "@/lib/events/export-runs";
import { FilterError } from "@/lib/events/filter";
import { formatQuery } from "@/lib/events/query-language";
import { parseSearchQuery, queryToFilter } from "@/lib/events/search-params";
import { recordEvent } from "@/lib/events/ingest";
import { toDraft } from "@/lib/events/record";
import { text as eventText } from "@/lib/events/schema";
import { normalizeParams } from "@/lib/console/search-page";
import { QUERY_TOO_EXPENSIVE_MESSAGE, isStatementTimeout } from "@/lib/db/pool";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const exportRequest = z.object({
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(", ")}` }),
  reason: eventText(500).trim().min(3, "reason is required: say why these events are exported (at least 3 characters)"),
  export_id: z.uuid("export_id must be a UUID").optional(),
});

/**
 * The search page's export: the same filter as on screen, streamed as CSV or NDJSON, for
 * roles with events:export, with the reason the person gave. Recorded as DATA_EXPORTED
 * (with the record count) before the response completes, like the API's export. With an
 * `export_id` the page can poll /events/export/progress for a progress bar.
 */
// Exports start from the search page: a link from another site must not make one in someone's name.
export const GET = consoleRoute({ permission: "events:export", what: "export events", sameSite: "Start exports from the search page" }, async ({ req, session }) => {
  const url = new URL(req.url);
  const parsed = exportRequest.safeParse({
    format: url.searchParams.get("format") ?? "csv",
    // A missing reason reads as an empty one, so the message says what is needed.
    reason: url.searchParams.get("reason") ?? "",
    export_id: url.searchParams.get("export_id") || undefined,
  });
  if (!parsed.success) return new Response(parsed.error.issues.map((i) => i.message).join("; "), { status: 400 });
  const { format, reason, export_id: exportId } = parsed.data;
  const params = normalizeParams(Object.fromEntries(url.searchParams));
  params.delete("cursor");
  if (params.get("period") === "any") params.delete("period");
  let filter;
  try {
    filter = queryToFilter(parseSearchQuery(params));
  } catch (err) {
    if (err instanceof FilterError) return new Response(`Invalid search: ${err.message}`, { status: 400 });
    throw err;
  }
  const { actor } = session;
  const record = (records: number, completed: boolean) => ({
    action: "DATA_EXPORTED",
    status: completed ? "success" : "failed",
    actor: { type: "user", id: actor.id, email: actor.email, name: actor.name },
    targets: [{ type: "audit_log", id: session.org.id, name: "Audit events" }],
    context: { ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.userAgent ? { user_agent: actor.userAgent.slice(0, 1024) } : {}) },
    reason,
    metadata: { type: `Audit events ${format.toUpperCase()}`, records, fields: [...CSV_COLUMNS], filter: formatQuery(filter), format },
  });
  // The export's record is written when it ends: make sure now that it can be, before any byte goes out.
  const check = toDraft(record(0, true), "console");
  if (!check.ok) return new Response(`This export can't be recorded: ${check.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`, { status: 400 });
  const progress = exportId
    ? await startExportRun({ id: exportId, orgId: session.org.id, userId: actor.id, format, filter: formatQuery(filter), reason }, filter)
    : null;
  if (exportId && !progress) return new Response("export_id is already used; start a new export.", { status: 409 });
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await exportStream(session.org.id, filter, format, async (records, completed) => {
      await recordEvent(session.org.id, record(records, completed), "console");
      await progress?.finish(records, completed);
    }, progress ? (records) => progress.advance(records) : undefined);
  } catch (err) {
    // The stream's own onDone has already recorded a failed start (and closed the progress run).
    if (isStatementTimeout(err)) return new Response(QUERY_TOO_EXPENSIVE_MESSAGE, { status: 422 });
    if (!(err instanceof ExportsBusyError)) throw err;
    await progress?.finish(0, false);
    return new Response("Too many exports are running right now; try again in a minute.", { status: 503, headers: { "Retry-After": "30" } });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="vigil-events-${stamp}.${format}"`,
      "Cache-Control": "no-store",
    },
  });
});
