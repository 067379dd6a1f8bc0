import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/session";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { AlertStatusBadge } from "@/components/alerts/badges";
import { INCIDENT_STATUSES, getIncident } from "@/lib/alerts/actions";
import { workIncident } from "../../actions";

export const dynamic = "force-dynamic";

export default async function IncidentPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  if (!session.permissions.includes("alerts:manage")) return <NoAccess what="incidents" />;
  const { id } = await params;
  const error = (await searchParams).error;
  const incident = await getIncident(session.org.id, id);
  if (!incident) notFound();
  const fmt = new Intl.DateTimeFormat("en-GB", { timeZone: session.timeZone, dateStyle: "medium", timeStyle: "short" });
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/alerts" className="text-indigo-700 hover:underline dark:text-indigo-300">← Alerts</Link>
        {incident.alert_id && <> · <Link href={`/alerts/${incident.alert_id}`} className="text-indigo-700 hover:underline dark:text-indigo-300">The alert</Link></>}
      </p>
      <PageHeader title={incident.title} description={<span className="flex items-center gap-2"><AlertStatusBadge status={incident.status} /> {incident.assignee ? `Assigned to ${incident.assignee}` : "Unassigned"} · opened by {incident.created_by}</span>} />
      {typeof error === "string" && <p role="status" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">{error}</p>}

      <Card>
        <CardHeader title="Update" />
        <form action={workIncident} className="grid gap-3 px-5 py-4 sm:grid-cols-2">
          <input type="hidden" name="incidentId" value={incident.id} />
          <label className="text-sm"><span className="mb-1 block text-slate-500">Status</span>
            <select name="status" defaultValue={incident.status} className="h-9 w-full rounded-md border border-slate-300 bg-white px-2 dark:border-slate-700 dark:bg-slate-900">
              {INCIDENT_STATUSES.map((s) => <option key={s} value={s}>{s.replace("_", " ")}</option>)}
            </select>
          </label>
          <label className="text-sm"><span className="mb-1 block text-slate-500">Assignee</span>
            <input name="assignee" defaultValue={incident.assignee ?? ""} className="h-9 w-full rounded-md border border-slate-300 px-2 dark:border-slate-700 dark:bg-slate-900" />
          </label>
          <label className="text-sm sm:col-span-2"><span className="mb-1 block text-slate-500">Note for the timeline</span>
            <textarea name="note" rows={3} className="w-full rounded-md border border-slate-300 px-2 py-1 dark:border-slate-700 dark:bg-slate-900" />
          </label>
          <div className="sm:col-span-2"><Button>Save</Button></div>
        </form>
      </Card>

      <Card>
        <CardHeader title="Timeline" />
        <ol className="divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="incident-timeline">
          {incident.notes.map((n) => (
            <li key={n.id} className="px-5 py-3">
              <div className="text-xs text-slate-500">{fmt.format(new Date(n.created_at))} · {n.author} · {n.kind}</div>
              <p className="mt-1 whitespace-pre-wrap">{n.body}</p>
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}
