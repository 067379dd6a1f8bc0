import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/session";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { AlertStatusBadge, RULE_LABELS, SeverityBadge, subjectText } from "@/components/alerts/badges";
import { getAlert } from "@/lib/alerts/store";
import { listDeliveries } from "@/lib/alerts/channels";
import { pool } from "@/lib/db/pool";
import { blockAlertSubject, changeAlertStatus, openAlertIncident } from "../actions";
import { isUuid } from "@/lib/uuid";

export const dynamic = "force-dynamic";

function when(at: string | Date | null, timeZone: string): string {
  if (!at) return "—";
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "medium" }).format(new Date(at));
}

export default async function AlertPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  if (!session.permissions.includes("alerts:manage")) return <NoAccess what="alerts" />;
  const { id } = await params;
  const error = (await searchParams).error;
  if (!isUuid(id)) notFound();
  const alert = await getAlert(session.org.id, id);
  if (!alert) notFound();
  const [events, incident, deliveries] = await Promise.all([
    pool().query<{ id: string; seq: number; occurred_at: Date; action: string; actor_email: string | null; actor_id: string | null; ip: string | null; status: string }>(
      "select id, seq, occurred_at, action, actor_email, actor_id, host(ip) as ip, status from audit_events where org_id = $1 and id = any($2::uuid[]) order by occurred_at desc limit 200",
      [session.org.id, alert.event_ids],
    ),
    pool().query<{ id: string; status: string }>("select id, status from incidents where org_id = $1 and alert_id = $2", [session.org.id, alert.id]),
    listDeliveries(session.org.id, { alertId: alert.id, limit: 20 }),
  ]);
  const inc = incident.rows[0];
  const live = alert.status === "open" || alert.status === "acknowledged";
  return (
    <div className="space-y-6">
      <p className="text-sm"><Link href="/alerts" className="text-indigo-700 hover:underline dark:text-indigo-300">← Alerts</Link></p>
      <PageHeader title={alert.title} description={<span className="flex flex-wrap items-center gap-2"><SeverityBadge severity={alert.severity} /> <AlertStatusBadge status={alert.status} /> {RULE_LABELS[alert.rule] ?? alert.rule}</span>} />
      {typeof error === "string" && <p role="status" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">{error}</p>}

      <Card>
        <dl className="grid gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-4">
          <div><dt className="text-slate-500">Subject</dt><dd className="font-mono text-xs">{subjectText(alert.subject)}</dd></div>
          <div><dt className="text-slate-500">Events</dt><dd className="tabular-nums">{alert.count}</dd></div>
          <div><dt className="text-slate-500">First seen</dt><dd>{when(alert.first_seen, session.timeZone)}</dd></div>
          <div><dt className="text-slate-500">Last seen</dt><dd>{when(alert.last_seen, session.timeZone)}</dd></div>
        </dl>
        <div className="flex flex-wrap gap-2 border-t border-slate-200 px-5 py-3 dark:border-slate-800">
          {alert.subject.ip && (
            <form action={blockAlertSubject}><input type="hidden" name="alertId" value={alert.id} /><input type="hidden" name="what" value="ip" />
              <Button variant="danger" size="sm">Block {alert.subject.ip}</Button></form>
          )}
          {alert.subject.actor && (
            <form action={blockAlertSubject}><input type="hidden" name="alertId" value={alert.id} /><input type="hidden" name="what" value="actor" />
              <Button variant="danger" size="sm">Block {alert.subject.actor}</Button></form>
          )}
          {inc ? (
            <Link href={`/alerts/incidents/${inc.id}`} className="inline-flex h-8 items-center rounded-md border border-slate-300 px-2.5 text-sm">Incident ({inc.status.replace("_", " ")})</Link>
          ) : (
            <form action={openAlertIncident} className="flex items-center gap-2"><input type="hidden" name="alertId" value={alert.id} />
              <input name="assignee" placeholder="Assignee e-mail" aria-label="Assignee" className="h-8 rounded-md border border-slate-300 px-2 text-sm dark:border-slate-700 dark:bg-slate-900" />
              <Button size="sm">Open incident</Button></form>
          )}
          {live && (["acknowledged", "resolved", "false_positive"] as const).filter((s) => s !== alert.status).map((s) => (
            <form key={s} action={changeAlertStatus}><input type="hidden" name="alertId" value={alert.id} /><input type="hidden" name="status" value={s} />
              <Button variant="secondary" size="sm">{s === "acknowledged" ? "Acknowledge" : s === "resolved" ? "Resolve" : "False positive"}</Button></form>
          ))}
        </div>
      </Card>

      <Card>
        <CardHeader title="Events behind this alert" description={alert.count > alert.event_ids.length ? `The first ${alert.event_ids.length} of ${alert.count}` : undefined} />
        <table className="w-full text-sm">
          <tbody>
            {events.rows.length === 0 && <tr><td className="px-5 py-4 text-slate-500">No events are linked to this alert.</td></tr>}
            {events.rows.map((e) => (
              <tr key={e.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="px-5 py-2 whitespace-nowrap">{when(e.occurred_at, session.timeZone)}</td>
                <td className="px-5 py-2"><Link href={`/events/${e.id}`} className="font-mono text-indigo-700 hover:underline dark:text-indigo-300">{e.action}</Link></td>
                <td className="px-5 py-2">{e.actor_email ?? e.actor_id ?? "—"}</td>
                <td className="px-5 py-2 font-mono text-xs">{e.ip ?? ""}</td>
                <td className="px-5 py-2 text-right text-xs text-slate-500">#{e.seq}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <Card>
        <CardHeader title="Notifications" />
        <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
          {deliveries.length === 0 && <li className="px-5 py-3 text-slate-500">No notification channel matched this alert.</li>}
          {deliveries.map((d) => (
            <li key={d.id} className="flex flex-wrap items-center justify-between gap-2 px-5 py-2">
              <span>{d.kind} → {d.target}</span>
              <span className="text-xs text-slate-500">{d.attempts} attempt(s){d.last_error ? ` · ${d.last_error}` : ""} <Badge tone={d.status === "delivered" ? "green" : d.status === "failed" ? "red" : "amber"}>{d.status}</Badge></span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
