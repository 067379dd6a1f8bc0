import { crossSiteRefusal } from "@/lib/http/same-site";
import { consoleAccess, refusalMessage, refusalStatus } from "@/lib/auth/session";
import { REPORT_TITLES, type ReportName } from "@/lib/reports/download-report";
import { periodFromForm } from "@/lib/reports/period";
import { paramsToObject } from "@/lib/events/search-params";
import { QUERY_TOO_EXPENSIVE_MESSAGE, isDatabaseUnavailable, isStatementTimeout } from "@/lib/db/pool";
import { downloadReport } from "@/server/reports";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The console's one-click PDF of a report, for the period on the page; recorded as REPORT_DOWNLOADED. */
export async function GET(req: Request, { params }: { params: Promise<{ report: string }> }): Promise<Response> {
  const { report: name } = await params;
  const { session, refusal } = await consoleAccess("reports:download");
  if (refusal) return new Response(refusalMessage(refusal, "download reports"), { status: refusalStatus(refusal) });
  const crossSite = crossSiteRefusal(req, "Download reports from the Reports page");
  if (crossSite) return crossSite;
  if (!Object.hasOwn(REPORT_TITLES, name)) return new Response("No such report.", { status: 404 });
  const report = name as ReportName;
  const { period, error } = periodFromForm(paramsToObject(new URL(req.url).searchParams), session.org.timezone);
  if (error) return new Response(error, { status: 400 });
  try {
    const { body, headers } = await downloadReport(session.org.id, {
      report,
      period,
      format: "pdf",
      generatedBy: { type: "user", id: session.user.id, name: `${session.user.name} <${session.user.email}>` },
      actor: { type: "user", id: session.user.id, email: session.user.email, name: session.user.name },
      ip: session.ip ?? undefined,
      userAgent: session.userAgent ?? undefined,
      source: "console",
    });
    return new Response(new Uint8Array(body), { headers });
  } catch (err) {
    if (isStatementTimeout(err)) return new Response(QUERY_TOO_EXPENSIVE_MESSAGE, { status: 422 });
    if (isDatabaseUnavailable(err)) return new Response("The database is unavailable; try again shortly.", { status: 503, headers: { "Retry-After": "5" } });
    console.error("[vigil] report download failed", err);
    return new Response("The report could not be made.", { status: 500 });
  }
}
