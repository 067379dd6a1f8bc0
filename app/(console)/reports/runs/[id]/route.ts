import { consoleRoute } from "@/lib/http/console-route";
import { downloadKeptReport } from "@/lib/reports/download-report";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept monthly report, from the console; recorded as REPORT_DOWNLOADED. */
export const GET = consoleRoute<{ id: string }>(
  { permission: "reports:download", what: "download reports", sameSite: "Download reports from the Reports page" },
  async ({ session, params }) => {
    const file = await downloadKeptReport(session.org.id, params.id, {
      actor: { type: "user", id: session.actor.id, email: session.actor.email, name: session.actor.name },
      ip: session.ip ?? undefined,
      userAgent: session.userAgent ?? undefined,
      source: "console",
    });
    return new Response(new Uint8Array(file.body), { headers: file.headers });
  },
);
