import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { recordReportDownload, reportFileName, reportPeriod, reportQuerySchema, verifyAndCheckpoint } from "@/lib/reports/download";
import { securityReport } from "@/lib/reports/security";
import { renderSecurityReportPdf } from "@/components/reports/security-report-pdf";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The security report as JSON or PDF; each download is recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute({ scope: "reports:read", query: reportQuerySchema }, async ({ req, orgId, principal, query }) => {
  const period = reportPeriod(query);
  const verification = query.format === "pdf" ? await verifyAndCheckpoint(orgId) : undefined;
  const report = await securityReport(orgId, period, { generatedBy: { type: "api_key", id: principal.id, name: principal.name }, verification });
  const body = query.format === "pdf" ? await renderSecurityReportPdf(report) : Buffer.from(JSON.stringify(report));
  await recordReportDownload(orgId, {
    report: "security",
    title: "Security report",
    period,
    format: query.format,
    sizeBytes: body.byteLength,
    actor: { type: "api", id: principal.id, name: principal.name },
    ip: clientIp(req),
    userAgent: req.headers.get("user-agent") ?? undefined,
  }, "api");
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (query.format === "pdf") {
    headers["Content-Type"] = "application/pdf";
    headers["Content-Disposition"] = `attachment; filename="${reportFileName("security", report.org.slug, new Date(report.generated_at), "pdf")}"`;
  } else {
    headers["Content-Type"] = "application/json";
  }
  return new Response(new Uint8Array(body), { headers });
});
