import { apiRoute } from "@/lib/http/api-route";
import { exportQuerySchema, queryToFilter } from "@/lib/events/search-params";
import { startExport } from "@/lib/events/start-export";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A streamed export of exactly the filter, recorded as DATA_EXPORTED when it ends. */
// A person needs events:export, as on the search page.
export const GET = apiRoute({ scope: "events:read", permission: "events:export", query: exportQuerySchema }, async ({ orgId, principal, query }) => {
  const file = await startExport(orgId, {
    filter: queryToFilter(query),
    format: query.format,
    reason: query.reason,
    who: principal,
  });
  return new Response(file.body, { headers: file.headers });
});
