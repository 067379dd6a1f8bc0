import { recordEvent } from "@/lib/events/ingest";
import { verifyOrg } from "@/lib/integrity/verify-job";
import type { ChainCheck } from "@/lib/reports/security";
import { formatBytes } from "@/lib/reports/format";
import { periodKey, type ReportFormat, type ReportPeriod } from "@/lib/reports/period";

export { reportQuerySchema } from "@/lib/reports/period";

/**
 * What every report download shares, whichever entry point serves it (API key or console
 * session): the query, the period, a checkpoint at the head for documents, and the
 * REPORT_DOWNLOADED event, recorded before the file is handed over.
 */


/**
 * A document handed to an auditor is tied to a verified, signed head: verify the chain
 * since the last checkpoint (the hourly verify job keeps that short), take the job's last
 * re-verification of the whole chain for the rest, and sign the head, the verify job's own
 * rule: a chain that fails is never signed, and raises its alert.
 */
export async function verifyAndCheckpoint(orgId: string): Promise<ChainCheck> {
  const r = await verifyOrg(orgId);
  return { ok: r.ok, checked: r.checked, first_bad_seq: r.first_bad_seq, checked_at: new Date().toISOString(), full_verified_at: r.full_verified_at };
}

export interface DownloadRecord {
  report: "security" | "compliance";
  title: string;
  period: ReportPeriod;
  format: ReportFormat;
  sizeBytes: number;
  actor: { type: "api" | "user"; id: string; name?: string; email?: string };
  ip?: string;
  userAgent?: string;
}

/** Records REPORT_DOWNLOADED (report, period, format, size); awaited, so no record means no file. */
export async function recordReportDownload(orgId: string, d: DownloadRecord, source: "api" | "console"): Promise<void> {
  const context: Record<string, string> = {};
  if (d.ip) context.ip = d.ip;
  if (d.userAgent) context.user_agent = d.userAgent.slice(0, 1024);
  await recordEvent(orgId, {
    action: "REPORT_DOWNLOADED",
    actor: d.actor,
    targets: [{ type: "report", id: `${d.report}:${periodKey(d.period)}`, name: d.title }],
    ...(Object.keys(context).length > 0 ? { context } : {}),
    metadata: {
      report: d.report,
      period: periodKey(d.period),
      from: d.period.from.toISOString(),
      to: d.period.to.toISOString(),
      format: d.format.toUpperCase(),
      size: formatBytes(d.sizeBytes),
      size_bytes: d.sizeBytes,
    },
  }, source);
}

/** "vigil-security-report-acme-2026-11-26.pdf" */
export function reportFileName(report: string, orgSlug: string, at: Date, format: ReportFormat): string {
  return `vigil-${report}-report-${orgSlug}-${at.toISOString().slice(0, 10)}.${format}`;
}
