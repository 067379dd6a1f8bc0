import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { reportQuerySchema } from "@/lib/reports/download";
import { resolvePeriod } from "@/lib/reports/period";
import { downloadReport } from "@/server/reports";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The security report as JSON or PDF; each download is recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute({ scope: "reports:read", query: reportQuerySchema }, async ({ req, orgId, principal, query }) => {
  const { body, headers } = await downloadReport(orgId, {
    report: "security",
    period: resolvePeriod(query),
    format: query.format,
    generatedBy: { type: "api_key", id: principal.id, name: principal.name },
    actor: { type: "api", id: principal.id, name: principal.name },
    ip: clientIp(req),
    userAgent: req.headers.get("user-agent") ?? undefined,
    source: "api",
  });
  return new Response(new Uint8Array(body), { headers });
});
