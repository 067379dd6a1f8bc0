import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { recordReportDownload, reportFileName, reportPeriod, reportQuerySchema, verifyAndCheckpoint } from "@/lib/reports/download";
import { complianceReport } from "@/lib/reports/compliance";
import { renderComplianceReportPdf } from "@/components/reports/compliance-report-pdf";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Compliance evidence (GDPR, SOC 2, ISO 27001, LGPD) as JSON or PDF; recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute({ scope: "reports:read", query: reportQuerySchema }, async ({ req, orgId, principal, query }) => {
  const period = reportPeriod(query);
  // Chain integrity is evidence here, in both formats.
  const verification = await verifyAndCheckpoint(orgId);
  const report = await complianceReport(orgId, period, { generatedBy: { type: "api_key", id: principal.id, name: principal.name }, verification });
  const body = query.format === "pdf" ? await renderComplianceReportPdf(report) : Buffer.from(JSON.stringify(report));
  await recordReportDownload(orgId, {
    report: "compliance",
    title: "Compliance evidence report",
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
    headers["Content-Disposition"] = `attachment; filename="${reportFileName("compliance", report.org.slug, new Date(report.generated_at), "pdf")}"`;
  } else {
    headers["Content-Type"] = "application/json";
  }
  return new Response(new Uint8Array(body), { headers });
});
