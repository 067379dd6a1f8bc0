import { crossSiteRefusal } from "@/lib/http/same-site";
import { consoleAccess, refusalMessage, refusalStatus } from "@/lib/auth/session";
import { recordReportDownload } from "@/lib/reports/download";
import { getReportRun } from "@/lib/reports/scheduled";
import { dayIn } from "@/lib/reports/format";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept monthly report, from the console; recorded as REPORT_DOWNLOADED. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { session, refusal } = await consoleAccess("reports:download");
  if (refusal) return new Response(refusalMessage(refusal, "download reports"), { status: refusalStatus(refusal) });
  const crossSite = crossSiteRefusal(req, "Download reports from the Reports page");
  if (crossSite) return crossSite;
  const run = await getReportRun(session.org.id, (await params).id);
  if (!run) return new Response("No such report.", { status: 404 });
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
}
