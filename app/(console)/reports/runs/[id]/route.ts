import { consoleRoute } from "@/lib/http/console-route";
import { personRequester } from "@/lib/audit/actor";
import { downloadKeptReport } from "@/lib/reports/download-report";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept monthly report, from the console; recorded as REPORT_DOWNLOADED. */
export const GET = consoleRoute<{ id: string }>(
  { permission: "reports:download", what: "download reports", sameSite: "Download reports from the Reports page" },
  async ({ session, params }) => {
    const file = await downloadKeptReport(session.org.id, params.id, personRequester(session.actor));
    return new Response(new Uint8Array(file.body), { headers: file.headers });
  },
);
