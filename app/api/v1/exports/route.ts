import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { VigilError } from "@/lib/errors";
import { CSV_COLUMNS, ExportsBusyError, exportStream } from "@/lib/events/export";
import { toDraft } from "@/lib/events/record";
import { formatQuery } from "@/lib/events/query-language";
import { exportQuerySchema, queryToFilter } from "@/lib/events/search-params";
import { recordEvent } from "@/lib/events/ingest";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A streamed export of exactly the filter, recorded as DATA_EXPORTED when it ends. */
export const GET = apiRoute({ scope: "events:read", query: exportQuerySchema }, async ({ req, orgId, principal, query }) => {
  const filter = queryToFilter(query);
  const ip = clientIp(req);
  const record = (records: number, completed: boolean) => ({
    action: "DATA_EXPORTED",
    status: completed ? "success" : "failed",
    actor: { type: "api", id: principal.id, name: principal.name },
    targets: [{ type: "audit_log", id: orgId, name: "Audit events" }],
    context: ip ? { ip } : undefined,
    reason: query.reason,
    metadata: { type: `Audit events ${query.format.toUpperCase()}`, records, fields: [...CSV_COLUMNS], filter: formatQuery(filter), format: query.format },
  });
  // The export's record is written when it ends: make sure now that it can be, before any byte goes out.
  const check = toDraft(record(0, true), "api");
  if (!check.ok) throw new VigilError("invalid_request", "this export can't be recorded", check.errors);
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await exportStream(orgId, filter, query.format, (records, completed) => recordEvent(orgId, record(records, completed), "api").then(() => {}));
  } catch (err) {
    if (err instanceof ExportsBusyError) throw new VigilError("unavailable", err.message, undefined, { "Retry-After": "30" });
    throw err;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "Content-Type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="vigil-events-${stamp}.${query.format}"`,
      "Cache-Control": "no-store",
    },
  });
});
