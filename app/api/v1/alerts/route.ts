import { apiRoute } from "@/lib/http/api-route";
import { alertsQuerySchema } from "@/lib/alerts/api-schemas";
import { listAlerts } from "@/lib/alerts/store";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The org's alerts, open first then newest: DESIGN.md's shape, nothing more. */
export const GET = apiRoute({ scope: "events:read", query: alertsQuerySchema }, async ({ orgId, query }) => {
  const alerts = await listAlerts(orgId, query);
  return Response.json({
    data: alerts.map((a) => ({
      id: a.id, rule: a.rule, severity: a.severity, status: a.status, subject: a.subject, count: a.count,
      first_seen: a.first_seen, last_seen: a.last_seen, event_ids: a.event_ids,
    })),
  });
});
