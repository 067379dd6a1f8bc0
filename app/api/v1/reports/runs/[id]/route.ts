import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { downloadKeptReport } from "@/lib/reports/download-report";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept report's PDF, exactly as it was made; recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute<undefined, { id: string }>({ scope: "reports:read" }, async ({ req, orgId, principal, params }) => {
  const file = await downloadKeptReport(orgId, params.id, {
    actor: { type: "api", id: principal.id, name: principal.name },
    ip: clientIp(req),
    userAgent: req.headers.get("user-agent") ?? undefined,
    source: "api",
  });
  return new Response(new Uint8Array(file.body), { headers: file.headers });
});
