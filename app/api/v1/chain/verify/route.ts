import { apiRoute } from "@/lib/http/api-route";
import { chainStatus } from "@/lib/integrity/status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Verifies the chain since the latest signed checkpoint, and answers the verify job's last
 * full re-verification for what came before (lib/integrity/status.ts).
 */
export const GET = apiRoute({ scope: "events:read" }, async ({ orgId }) => {
  return Response.json(await chainStatus(orgId));
});
