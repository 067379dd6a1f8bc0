import Link from "next/link";
import type { AuditEvent } from "@/lib/events/types";
import { actorLabel, eventSummaryTargets } from "@/lib/console/event-labels";
import { CATEGORY_LABELS } from "@/lib/console/search-form";
import { StatusBadge } from "@/components/ui/badge";
import { LocalTime } from "@/components/events/local-time";

/** Fixed column widths: the table doesn't jump between searches. */
export const COLUMNS = [
  { label: "When", className: "w-[11.5rem]" },
  { label: "Who", className: "w-[22%]" },
  { label: "Action", className: "w-[20%]" },
  { label: "Target", className: "" },
  { label: "IP", className: "w-[9.5rem]" },
  { label: "Status", className: "w-[6.5rem]" },
];

export function ResultsTable({ events, timeZone }: { events: AuditEvent[]; timeZone: string }) {
  return (
    <table className="w-full table-fixed text-sm" data-testid="results">
      <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs font-medium text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
        <tr>
          {COLUMNS.map((c) => (
            <th key={c.label} scope="col" className={`px-3 py-2 font-medium ${c.className}`}>{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {events.map((e) => (
          <tr key={e.id} className="group relative hover:bg-slate-50 focus-within:bg-slate-50 dark:hover:bg-slate-800/50 dark:focus-within:bg-slate-800/50" data-testid="result-row">
            <td className="truncate px-3 py-2 text-slate-600 dark:text-slate-400">
              <LocalTime iso={e.occurred_at} timeZone={timeZone} />
            </td>
            <td className="truncate px-3 py-2" title={e.actor?.name ?? undefined}>{actorLabel(e.actor)}</td>
            <td className="truncate px-3 py-2">
              {/* The row's one link, stretched over the row so the whole row opens the event. */}
              <Link href={`/events/${e.id}`} className="font-mono text-[13px] font-medium text-indigo-700 after:absolute after:inset-0 after:content-[''] focus-visible:outline-none dark:text-indigo-300">
                {e.action}
              </Link>
              <span className="ml-2 text-xs text-slate-400">{CATEGORY_LABELS[e.category] ?? e.category}</span>
            </td>
            <td className="truncate px-3 py-2 text-slate-700 dark:text-slate-300">{eventSummaryTargets(e)}</td>
            <td className="truncate px-3 py-2 font-mono text-[13px] text-slate-600 dark:text-slate-400">{e.context.ip ?? "—"}</td>
            <td className="px-3 py-2"><StatusBadge status={e.status} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ResultsSkeleton({ rows = 12 }: { rows?: number }) {
  return (
    <table className="w-full table-fixed text-sm" aria-busy="true" aria-label="Loading events">
      <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
        <tr>
          {COLUMNS.map((c) => (
            <th key={c.label} scope="col" className={`px-3 py-2 font-medium ${c.className}`}>{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {Array.from({ length: rows }, (_, i) => (
          <tr key={i}>
            {COLUMNS.map((c) => (
              <td key={c.label} className="px-3 py-2.5">
                <div className="h-3.5 animate-pulse rounded bg-slate-200 dark:bg-slate-800" style={{ width: `${55 + ((i * 7 + c.label.length * 13) % 40)}%` }} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
