import { apiRoute } from "@/lib/http/api-route";
import { listBlocklist } from "@/lib/auth/blocklist";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Blocked IPs, CIDR ranges and actors in force now, for integrators to enforce in their product. */
export const GET = apiRoute({ scope: "events:read" }, async ({ orgId }) => {
  const entries = await listBlocklist(orgId);
  return Response.json({
    data: entries.map((e) => ({ id: e.id, kind: e.kind, value: e.value, reason: e.reason, created_at: e.created_at, expires_at: e.expires_at })),
  });
});
