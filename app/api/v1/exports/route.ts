import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { exportQuerySchema, queryToFilter } from "@/lib/events/search-params";
import { startExport } from "@/lib/events/start-export";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A streamed export of exactly the filter, recorded as DATA_EXPORTED when it ends. */
export const GET = apiRoute({ scope: "events:read", query: exportQuerySchema }, async ({ req, orgId, principal, query }) => {
  const ip = clientIp(req);
  const file = await startExport(orgId, {
    filter: queryToFilter(query),
    format: query.format,
    reason: query.reason,
    actor: { type: "api", id: principal.id, name: principal.name },
    context: ip ? { ip } : undefined,
    source: "api",
  });
  return new Response(file.body, { headers: file.headers });
});
