// Every 5 minutes: fold new events into the report rollups, and make the monthly reports that are due.
import { cronAuthorized } from "@/lib/jobs/cron-route";
import { refreshAllRollups } from "@/lib/reports/rollups";
import { makeMonthlyReports } from "@/lib/reports/scheduled";
import { renderSecurityReportPdf } from "@/components/reports/security-report-pdf";
import { isDatabaseUnavailable } from "@/lib/db/pool";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Not a registered job yet (lib/jobs/registry.ts): it needs no advisory lock of its own,
 * since each org's refresh locks that org's rollup state row, so overlapping runs queue
 * per org instead of counting twice. Bounded: 100,000 events per transaction, and 10
 * monthly reports per run (each org and month once: a unique index); the next run goes on.
 */
export async function GET(req: Request): Promise<Response> {
  if (!cronAuthorized(req)) {
    return Response.json({ error: { code: "unauthorized", message: "send Authorization: Bearer $CRON_SECRET" } }, { status: 401, headers: { "Cache-Control": "no-store" } });
  }
  try {
    const started = performance.now();
    const results = await refreshAllRollups();
    const monthly = await makeMonthlyReports(renderSecurityReportPdf);
    return Response.json({
      job: "reports",
      status: "succeeded",
      summary: {
        orgs: results.length, events: results.reduce((n, r) => n + r.added, 0),
        monthly_reports: monthly.length, emailed: monthly.filter((m) => m.emailed).length,
        ms: Math.round(performance.now() - started),
      },
    }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    if (isDatabaseUnavailable(err)) return Response.json({ error: { code: "unavailable", message: "the database is unavailable; retry shortly" } }, { status: 503, headers: { "Retry-After": "5" } });
    console.error("[vigil] cron reports failed", err);
    return Response.json({ error: { code: "internal", message: "the reports job failed" } }, { status: 500 });
  }
}

export const POST = GET;
