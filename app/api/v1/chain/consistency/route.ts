import { apiRoute } from "@/lib/http/api-route";
import { consistencyQuerySchema, treeConsistency } from "@/lib/integrity/proofs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** An RFC 6962 consistency proof between two sizes of the org's tree (docs/integrity.md). */
export const GET = apiRoute({ scope: "events:read", query: consistencyQuerySchema }, async ({ orgId, query }) => {
  return Response.json(await treeConsistency(orgId, query.from, query.to));
});
