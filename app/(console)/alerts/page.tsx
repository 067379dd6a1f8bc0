import Link from "next/link";
import { z } from "zod";
import { requireSession } from "@/lib/auth/session";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { buttonClass } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { AlertStatusBadge, RULE_LABELS, SeverityBadge, subjectText } from "@/components/alerts/badges";
import { ALERT_STATUSES, listAlerts } from "@/lib/alerts/store";
import { listIncidents } from "@/lib/alerts/actions";
import { listJobRuns } from "@/lib/jobs/runner";

export const dynamic = "force-dynamic";

const filters = z.object({
  status: z.enum(ALERT_STATUSES).optional().catch(undefined),
  rule: z.string().max(64).optional().catch(undefined),
});

function when(iso: string | Date | null, timeZone: string): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  if (!session.permissions.includes("alerts:manage")) return <NoAccess what="alerts" />;
  const raw = await searchParams;
  const f = filters.parse({ status: raw.status || undefined, rule: raw.rule || undefined });
  const [alerts, incidents, runs] = await Promise.all([
    listAlerts(session.org.id, { status: f.status, rule: f.rule, limit: 200 }),
    listIncidents(session.org.id, { limit: 20 }),
    listJobRuns({ limit: 8 }),
  ]);
  const openCount = alerts.filter((a) => a.status === "open").length;
  return (
    <div className="space-y-6">
      <PageHeader
        title="Alerts"
        description={`${openCount} open · detectors run every minute over new events`}
        actions={<Link href="/settings/alerts" className={buttonClass("secondary")}>Rules and channels</Link>}
      />
      {typeof raw.error === "string" && <p role="status" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">{raw.error}</p>}

      <form className="flex flex-wrap items-end gap-3" aria-label="Filter alerts">
        <label className="text-sm">
          <span className="mb-1 block text-slate-500">Status</span>
          <select name="status" defaultValue={f.status ?? ""} className="h-9 rounded-md border border-slate-300 bg-white px-2 dark:border-slate-700 dark:bg-slate-900">
            <option value="">All (open first)</option>
            {ALERT_STATUSES.map((s) => <option key={s} value={s}>{s.replace("_", " ")}</option>)}
          </select>
        </label>
        <label className="text-sm">
          <span className="mb-1 block text-slate-500">Rule</span>
          <select name="rule" defaultValue={f.rule ?? ""} className="h-9 rounded-md border border-slate-300 bg-white px-2 dark:border-slate-700 dark:bg-slate-900">
            <option value="">All rules</option>
            {Object.entries(RULE_LABELS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
          </select>
        </label>
        <button className={buttonClass("secondary")} type="submit">Filter</button>
      </form>

      <Card>
        <table className="w-full text-sm" data-testid="alerts-table">
          <thead className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase dark:border-slate-800">
            <tr>
              <th className="px-4 py-2">Severity</th><th className="px-4 py-2">Alert</th><th className="px-4 py-2">Subject</th>
              <th className="px-4 py-2 text-right">Events</th><th className="px-4 py-2">Last seen</th><th className="px-4 py-2">Status</th>
            </tr>
          </thead>
          <tbody>
            {alerts.length === 0 && (
              <tr><td colSpan={6} className="px-4 py-8 text-center text-slate-500">No alerts{f.status || f.rule ? " match these filters" : " yet"}.</td></tr>
            )}
            {alerts.map((a) => (
              <tr key={a.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="px-4 py-2"><SeverityBadge severity={a.severity} /></td>
                <td className="px-4 py-2">
                  <Link href={`/alerts/${a.id}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">{a.title}</Link>
                  <div className="text-xs text-slate-500">{RULE_LABELS[a.rule] ?? a.rule}</div>
                </td>
                <td className="px-4 py-2 font-mono text-xs">{subjectText(a.subject)}</td>
                <td className="px-4 py-2 text-right tabular-nums">{a.count}</td>
                <td className="px-4 py-2 whitespace-nowrap">{when(a.last_seen, session.timeZone)}</td>
                <td className="px-4 py-2"><AlertStatusBadge status={a.status} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="Incidents" description="Open and investigating first" />
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {incidents.length === 0 && <li className="px-5 py-4 text-sm text-slate-500">No incidents.</li>}
            {incidents.map((i) => (
              <li key={i.id} className="flex items-center justify-between gap-3 px-5 py-3 text-sm">
                <Link href={`/alerts/incidents/${i.id}`} className="truncate text-indigo-700 hover:underline dark:text-indigo-300">{i.title}</Link>
                <span className="flex shrink-0 items-center gap-2 text-xs text-slate-500">{i.assignee ?? "unassigned"} <AlertStatusBadge status={i.status} /></span>
              </li>
            ))}
          </ul>
        </Card>
        <Card>
          <CardHeader title="Scheduled jobs" description="Recent runs of alerts, verify, backup and retention" />
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {runs.length === 0 && <li className="px-5 py-4 text-sm text-slate-500">No runs yet.</li>}
            {runs.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-3 px-5 py-2 text-sm">
                <span className="font-medium">{r.job}</span>
                <span className="text-xs text-slate-500">{when(r.started_at, session.timeZone)}</span>
                <Badge tone={r.status === "succeeded" ? "green" : r.status === "running" ? "indigo" : "red"}>{r.status}</Badge>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}
