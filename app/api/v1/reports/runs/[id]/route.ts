import { apiRoute } from "@/lib/http/api-route";
import { clientIp } from "@/lib/net/client-ip";
import { notFound } from "@/lib/http/errors";
import { recordReportDownload } from "@/lib/reports/download";
import { getReportRun } from "@/lib/reports/scheduled";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A kept report's PDF, exactly as it was made; recorded as REPORT_DOWNLOADED. */
export const GET = apiRoute<undefined, { id: string }>({ scope: "reports:read" }, async ({ req, orgId, principal, params }) => {
  const run = await getReportRun(orgId, params.id);
  if (!run) throw notFound("report");
  await recordReportDownload(orgId, {
    report: "security",
    title: "Security report (monthly review)",
    period: { preset: null, from: new Date(run.period_from), to: new Date(run.period_to) },
    format: "pdf",
    sizeBytes: run.size_bytes,
    actor: { type: "api", id: principal.id, name: principal.name },
    ip: clientIp(req),
    userAgent: req.headers.get("user-agent") ?? undefined,
  }, "api");
  return new Response(new Uint8Array(run.content), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="vigil-security-report-${run.period_from.slice(0, 7)}.pdf"`,
      "Cache-Control": "no-store",
      "Repr-Digest": `sha-256=:${Buffer.from(run.sha256, "hex").toString("base64")}:`,
    },
  });
});
