import { apiRoute } from "@/lib/api/handler";
import { clientIp } from "@/lib/api/client-ip";
import { CSV_COLUMNS, exportStream } from "@/lib/events/export";
import { formatQuery } from "@/lib/events/query-language";
import { exportQuerySchema, queryToFilter } from "@/lib/events/search-params";
import { recordEvent } from "@/lib/events/ingest";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A streamed export of exactly the filter, recorded as DATA_EXPORTED when it ends. */
export const GET = apiRoute({ scope: "events:read", query: exportQuerySchema }, async ({ req, orgId, principal, query }) => {
  const filter = queryToFilter(query);
  const ip = clientIp(req);
  const stream = exportStream(orgId, filter, query.format, async (records, completed) => {
    await recordEvent(orgId, {
      action: "DATA_EXPORTED",
      status: completed ? "success" : "failed",
      actor: { type: "api", id: principal.id, name: principal.name },
      targets: [{ type: "audit_log", id: orgId, name: "Audit events" }],
      context: ip ? { ip } : undefined,
      reason: query.reason,
      metadata: {
        type: `Audit events ${query.format.toUpperCase()}`,
        records,
        fields: [...CSV_COLUMNS],
        filter: formatQuery(filter),
        format: query.format,
      },
    }, "api");
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "Content-Type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="vigil-events-${stamp}.${query.format}"`,
      "Cache-Control": "no-store",
    },
  });
});
