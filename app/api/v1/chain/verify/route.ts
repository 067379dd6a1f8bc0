import { apiRoute } from "@/lib/api/handler";
import { verifyOrgChain } from "@/lib/integrity/verify";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Re-verifies the org's whole chain and its latest signed checkpoint. */
export const GET = apiRoute({ scope: "events:read" }, async ({ orgId }) => {
  return Response.json(await verifyOrgChain(orgId));
});
