import { recordEvent } from "@/lib/events/ingest";
import { requesterFields, type Requester } from "@/lib/audit/actor";
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
 * A document handed to an auditor is tied to a verified, signed head: verify what was
 * appended since the verified head (lib/integrity/verified-state.ts), take the job's last
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
  who: Requester;
}

/** Records REPORT_DOWNLOADED (report, period, format, size); awaited, so no record means no file. */
export async function recordReportDownload(orgId: string, d: DownloadRecord): Promise<void> {
  await recordEvent(orgId, {
    action: "REPORT_DOWNLOADED",
    ...requesterFields(d.who),
    targets: [{ type: "report", id: `${d.report}:${periodKey(d.period)}`, name: d.title }],
    metadata: {
      report: d.report,
      period: periodKey(d.period),
      from: d.period.from.toISOString(),
      to: d.period.to.toISOString(),
      format: d.format.toUpperCase(),
      size: formatBytes(d.sizeBytes),
      size_bytes: d.sizeBytes,
    },
  }, d.who.source);
}

/** "vigil-security-report-acme-2026-11-26.pdf": `stamp` is the day it was made, or the month a kept report covers. */
export function reportFileName(report: string, orgSlug: string, stamp: string, format: ReportFormat): string {
  return `vigil-${report}-report-${orgSlug}-${stamp}.${format}`;
}
