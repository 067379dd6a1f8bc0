import { pool } from "@/lib/db/pool";
import { notFound } from "@/lib/errors";
import { dayIn } from "@/lib/reports/format";
import { getReportRun } from "@/lib/reports/scheduled";
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

/** Who downloads a file, and from where: the REPORT_DOWNLOADED event's actor, context and source. */
export type ReportDownloader = Pick<ReportDownloadRequest, "actor" | "ip" | "userAgent" | "source">;

/**
 * A kept monthly report (report_runs), exactly as it was made, whichever entry point asks
 * (GET /api/v1/reports/runs/{id}, the Reports page): recorded as REPORT_DOWNLOADED, named
 * after the org and the month it covers in the org's time zone, with its SHA-256 as
 * Repr-Digest so the file can be checked against the digest the run listing shows.
 */
export async function downloadKeptReport(orgId: string, runId: string, who: ReportDownloader): Promise<ReportFile> {
  const run = await getReportRun(orgId, runId);
  if (!run) throw notFound("report");
  const { rows } = await pool().query<{ slug: string; timezone: string }>("select slug, timezone from organizations where id = $1", [orgId]);
  const org = rows[0];
  if (!org) throw notFound("report");
  await recordReportDownload(orgId, {
    report: "security",
    title: "Security report (monthly review)",
    period: { preset: null, from: new Date(run.period_from), to: new Date(run.period_to) },
    format: "pdf",
    sizeBytes: run.size_bytes,
    actor: who.actor,
    ip: who.ip,
    userAgent: who.userAgent,
  }, who.source);
  return {
    body: run.content,
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="vigil-security-report-${org.slug}-${dayIn(new Date(run.period_from), org.timezone).slice(0, 7)}.pdf"`,
      "Cache-Control": "no-store",
      "Repr-Digest": `sha-256=:${Buffer.from(run.sha256, "hex").toString("base64")}:`,
    },
  };
}
