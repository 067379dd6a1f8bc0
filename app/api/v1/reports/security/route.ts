import { apiRoute } from "@/lib/http/api-route";
import { reportQuerySchema } from "@/lib/reports/download";
import { downloadRequest } from "@/lib/reports/download-report";
import { downloadReport } from "@/server/reports";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The security report as JSON or PDF; each download is recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute({ scope: "reports:read", query: reportQuerySchema }, async ({ orgId, principal, query }) => {
  const { body, headers } = await downloadReport(orgId, downloadRequest("security", query, principal));
  return new Response(new Uint8Array(body), { headers });
});
