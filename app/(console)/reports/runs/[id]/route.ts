import { consoleRoute } from "@/lib/http/console-route";
import { VigilError } from "@/lib/errors";
import { recordReportDownload } from "@/lib/reports/download";
import { getReportRun } from "@/lib/reports/scheduled";
import { dayIn } from "@/lib/reports/format";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept monthly report, from the console; recorded as REPORT_DOWNLOADED. */
export const GET = consoleRoute<{ id: string }>(
  { permission: "reports:download", what: "download reports", sameSite: "Download reports from the Reports page" },
  async ({ session, params }) => {
    const run = await getReportRun(session.org.id, params.id);
    if (!run) throw new VigilError("not_found", "No such report.");
    await recordReportDownload(session.org.id, {
      report: "security",
      title: "Security report (monthly review)",
      period: { preset: null, from: new Date(run.period_from), to: new Date(run.period_to) },
      format: "pdf",
      sizeBytes: run.size_bytes,
      actor: { type: "user", id: session.user.id, email: session.user.email, name: session.user.name },
      ip: session.ip ?? undefined,
      userAgent: session.userAgent ?? undefined,
    }, "console");
    return new Response(new Uint8Array(run.content), {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Disposition": `attachment; filename="vigil-security-report-${session.org.slug}-${dayIn(new Date(run.period_from), session.org.timezone).slice(0, 7)}.pdf"`,
        "Cache-Control": "no-store",
      },
    });
  },
);
