import { getConsoleSession } from "@/lib/auth/session";
import { CSV_COLUMNS, EXPORT_FORMATS, exportStream } from "@/lib/events/export";
import { FilterError } from "@/lib/events/filter";
import { formatQuery } from "@/lib/events/query-language";
import { parseSearchQuery, queryToFilter } from "@/lib/events/search-params";
import { recordEvent } from "@/lib/events/ingest";
import { normalizeParams } from "@/lib/console/search-page";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The search page's export: the same filter as on screen, streamed as CSV or NDJSON, for
 * roles with events:export. Recorded as DATA_EXPORTED (with the record count) before the
 * response completes, like the API's export.
 */
export async function GET(req: Request): Promise<Response> {
  const session = await getConsoleSession();
  if (!session) return new Response("Sign in first.", { status: 401 });
  if (!session.permissions.includes("events:export")) return new Response("Your role can't export events.", { status: 403 });
  const url = new URL(req.url);
  const format = url.searchParams.get("format") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return new Response(`format must be one of ${EXPORT_FORMATS.join(", ")}`, { status: 400 });
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
  const stream = exportStream(session.org.id, filter, format as (typeof EXPORT_FORMATS)[number], async (records, completed) => {
    await recordEvent(session.org.id, {
      action: "DATA_EXPORTED",
      status: completed ? "success" : "failed",
      actor: { type: "user", id: actor.userId, email: actor.email, name: actor.name },
      targets: [{ type: "audit_log", id: session.org.id, name: "Audit events" }],
      context: { ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.userAgent ? { user_agent: actor.userAgent.slice(0, 1024) } : {}) },
      metadata: { type: `Audit events ${format.toUpperCase()}`, records, fields: [...CSV_COLUMNS], filter: formatQuery(filter), format },
    }, "console");
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="vigil-events-${stamp}.${format}"`,
      "Cache-Control": "no-store",
    },
  });
}
