import { renderComplianceReportPdf } from "@/components/reports/compliance-report-pdf";
import { renderSecurityReportPdf } from "@/components/reports/security-report-pdf";
import { downloadReport as download, type ReportDownloadRequest, type ReportFile } from "@/lib/reports/download-report";

/** The report download use case (lib/reports/download-report.ts), wired to the React PDF renderers. */
export function downloadReport(orgId: string, d: ReportDownloadRequest): Promise<ReportFile> {
  return download(orgId, d, { security: renderSecurityReportPdf, compliance: renderComplianceReportPdf });
}
