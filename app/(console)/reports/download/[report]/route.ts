import { crossSiteRefusal } from "@/lib/http/same-site";
import { consoleAccess, refusalMessage, refusalStatus } from "@/lib/auth/session";
import { complianceReport } from "@/lib/reports/compliance";
import { recordReportDownload, reportFileName, verifyAndCheckpoint } from "@/lib/reports/download";
import { periodFromForm } from "@/lib/reports/period";
import { securityReport } from "@/lib/reports/security";
import { paramsToObject } from "@/lib/events/search-params";
import { QUERY_TOO_EXPENSIVE_MESSAGE, isDatabaseUnavailable, isStatementTimeout } from "@/lib/db/pool";
import { renderComplianceReportPdf } from "@/components/reports/compliance-report-pdf";
import { renderSecurityReportPdf } from "@/components/reports/security-report-pdf";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const REPORTS = { security: "Security report", compliance: "Compliance evidence report" } as const;

/** The console's one-click PDF of a report, for the period on the page; recorded as REPORT_DOWNLOADED. */
export async function GET(req: Request, { params }: { params: Promise<{ report: string }> }): Promise<Response> {
  const { report: name } = await params;
  const { session, refusal } = await consoleAccess("reports:download");
  if (refusal) return new Response(refusalMessage(refusal, "download reports"), { status: refusalStatus(refusal) });
  const crossSite = crossSiteRefusal(req, "Download reports from the Reports page");
  if (crossSite) return crossSite;
  if (!Object.hasOwn(REPORTS, name)) return new Response("No such report.", { status: 404 });
  const report = name as keyof typeof REPORTS;
  const { period, error } = periodFromForm(paramsToObject(new URL(req.url).searchParams), session.org.timezone);
  if (error) return new Response(error, { status: 400 });
  try {
    const generatedBy = { type: "user" as const, id: session.user.id, name: `${session.user.name} <${session.user.email}>` };
    const verification = await verifyAndCheckpoint(session.org.id);
    const body = report === "security"
      ? await renderSecurityReportPdf(await securityReport(session.org.id, period, { generatedBy, verification }))
      : await renderComplianceReportPdf(await complianceReport(session.org.id, period, { generatedBy, verification }));
    await recordReportDownload(session.org.id, {
      report,
      title: REPORTS[report],
      period,
      format: "pdf",
      sizeBytes: body.byteLength,
      actor: { type: "user", id: session.user.id, email: session.user.email, name: session.user.name },
      ip: session.ip ?? undefined,
      userAgent: session.userAgent ?? undefined,
    }, "console");
    return new Response(new Uint8Array(body), {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Disposition": `attachment; filename="${reportFileName(report, session.org.slug, new Date(), "pdf")}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (err) {
    if (isStatementTimeout(err)) return new Response(QUERY_TOO_EXPENSIVE_MESSAGE, { status: 422 });
    if (isDatabaseUnavailable(err)) return new Response("The database is unavailable; try again shortly.", { status: 503, headers: { "Retry-After": "5" } });
    console.error("[vigil] report download failed", err);
    return new Response("The report could not be made.", { status: 500 });
  }
}
