import { apiRoute } from "@/lib/http/api-route";
import { downloadKeptReport } from "@/lib/reports/download-report";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept report's PDF, exactly as it was made; recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute<undefined, { id: string }>({ scope: "reports:read" }, async ({ orgId, principal, params }) => {
  const file = await downloadKeptReport(orgId, params.id, principal);
  return new Response(new Uint8Array(file.body), { headers: file.headers });
});
