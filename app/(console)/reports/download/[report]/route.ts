import { consoleRoute } from "@/lib/http/console-route";
import { personRequester } from "@/lib/audit/actor";
import { VigilError } from "@/lib/errors";
import { REPORT_TITLES, type ReportName } from "@/lib/reports/download-report";
import { periodFromForm } from "@/lib/reports/period";
import { paramsToObject } from "@/lib/events/search-params";
import { downloadReport } from "@/server/reports";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The console's one-click PDF of a report, for the period on the page; recorded as REPORT_DOWNLOADED. */
export const GET = consoleRoute<{ report: string }>(
  { permission: "reports:download", what: "download reports", sameSite: "Download reports from the Reports page" },
  async ({ req, session, params }) => {
    if (!Object.hasOwn(REPORT_TITLES, params.report)) throw new VigilError("not_found", "No such report.");
    const { period, error } = periodFromForm(paramsToObject(new URL(req.url).searchParams), session.org.timezone);
    if (error) throw new VigilError("invalid_request", error);
    const { body, headers } = await downloadReport(session.org.id, {
      report: params.report as ReportName,
      period,
      format: "pdf",
      who: personRequester(session.actor),
    });
    return new Response(new Uint8Array(body), { headers });
  },
);
