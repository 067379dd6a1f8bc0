import { complianceReport, type ComplianceReport } from "@/lib/reports/compliance";
import { recordReportDownload, reportFileName, verifyAndCheckpoint, type DownloadRecord } from "@/lib/reports/download";
import type { ReportFormat, ReportPeriod } from "@/lib/reports/period";
import { securityReport, type ReportAuthor, type SecurityReport } from "@/lib/reports/security";

/**
 * The one use case behind every report download, whichever entry point asks (an API key's
 * GET /api/v1/reports/security|compliance, the console's one-click PDF): verify the chain
 * when the document needs it, build the report, render it, record REPORT_DOWNLOADED (no
 * record, no file), and answer the file with its headers. The PDF renderers are React
 * (components/reports): the composition root (server/reports.ts) passes them in.
 */

export const REPORT_TITLES = { security: "Security report", compliance: "Compliance evidence report" } as const;
export type ReportName = keyof typeof REPORT_TITLES;

export interface ReportRenderers {
  security: (report: SecurityReport) => Promise<Buffer>;
  compliance: (report: ComplianceReport) => Promise<Buffer>;
}

export interface ReportDownloadRequest {
  report: ReportName;
  period: ReportPeriod;
  format: ReportFormat;
  generatedBy: ReportAuthor;
  /** Who downloads it, and from where: the REPORT_DOWNLOADED event's actor and context. */
  actor: DownloadRecord["actor"];
  ip?: string;
  userAgent?: string;
  source: "api" | "console";
}

export interface ReportFile {
  body: Buffer;
  headers: Record<string, string>;
}

export async function downloadReport(orgId: string, d: ReportDownloadRequest, render: ReportRenderers): Promise<ReportFile> {
  // A PDF is handed to an auditor, and the compliance report's evidence includes the chain:
  // both are tied to a verified, signed head. A security report's JSON is not.
  const verification = d.format === "pdf" || d.report === "compliance" ? await verifyAndCheckpoint(orgId) : undefined;
  const opts = { generatedBy: d.generatedBy, verification };
  let body: Buffer;
  let made: { org: { slug: string }; generated_at: string };
  if (d.report === "security") {
    const report = await securityReport(orgId, d.period, opts);
    body = d.format === "pdf" ? await render.security(report) : Buffer.from(JSON.stringify(report));
    made = report;
  } else {
    const report = await complianceReport(orgId, d.period, opts);
    body = d.format === "pdf" ? await render.compliance(report) : Buffer.from(JSON.stringify(report));
    made = report;
  }
  await recordReportDownload(orgId, {
    report: d.report,
    title: REPORT_TITLES[d.report],
    period: d.period,
    format: d.format,
    sizeBytes: body.byteLength,
    actor: d.actor,
    ip: d.ip,
    userAgent: d.userAgent,
  }, d.source);
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (d.format === "pdf") {
    headers["Content-Type"] = "application/pdf";
    headers["Content-Disposition"] = `attachment; filename="${reportFileName(d.report, made.org.slug, new Date(made.generated_at), "pdf")}"`;
  } else {
    headers["Content-Type"] = "application/json";
  }
  return { body, headers };
}
