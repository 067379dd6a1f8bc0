import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import type { Severity } from "@/lib/events/catalog";

/**
 * Alerts as stored. One pattern (org, rule, subject) has at most one live alert (open or
 * acknowledged, a partial unique index): a new detection of it grows that alert — count,
 * last_seen, event ids — instead of adding a duplicate.
 */

export const ALERT_STATUSES = ["open", "acknowledged", "resolved", "false_positive"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface AlertSubject {
  ip?: string;
  actor?: string;
}

export interface Alert {
  id: string;
  org_id: string;
  rule: string;
  severity: Severity;
  status: AlertStatus;
  title: string;
  subject: AlertSubject;
  count: number;
  first_seen: string;
  last_seen: string;
  event_ids: string[];
  created_at: string;
  resolved_at: string | null;
}

/** event_ids keeps the first events of a pattern; count keeps growing past it. */
export const MAX_ALERT_EVENT_IDS = 1000;

export interface Detection {
  rule: string;
  severity: Severity;
  subject: AlertSubject;
  title: string;
  eventIds: string[];
  firstSeen: Date;
  lastSeen: Date;
  /** The alert turns critical once its count (over every run, not this detection alone) reaches this. */
  criticalAt?: number;
}

export function subjectKey(s: AlertSubject): string {
  return JSON.stringify({ actor: s.actor?.toLowerCase() ?? null, ip: s.ip ?? null });
}

interface AlertRow {
  id: string;
  org_id: string;
  rule: string;
  severity: Severity;
  status: AlertStatus;
  title: string;
  subject: AlertSubject;
  count: number;
  first_seen: Date;
  last_seen: Date;
  event_ids: string[];
  created_at: Date;
  resolved_at: Date | null;
}

export const ALERT_COLUMNS = "id, org_id, rule, severity, status, title, subject, count, first_seen, last_seen, event_ids, created_at, resolved_at";

export function rowToAlert(r: AlertRow): Alert {
  return {
    id: r.id, org_id: r.org_id, rule: r.rule, severity: r.severity, status: r.status, title: r.title, subject: r.subject,
    count: r.count, first_seen: r.first_seen.toISOString(), last_seen: r.last_seen.toISOString(), event_ids: r.event_ids,
    created_at: r.created_at.toISOString(), resolved_at: r.resolved_at?.toISOString() ?? null,
  };
}

export const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

/**
 * Records a detection: a new alert, or the live alert of the same pattern grown by the
 * events it did not hold yet (re-detecting the same events changes nothing). Severity only
 * rises: a more severe detection, or the count reaching the detection's `criticalAt`.
 * Who is notified of a new or a more severe alert is decided from `notified_severity`
 * (lib/alerts/notify.ts), not here, so a crash between this commit and the notification
 * loses nothing.
 */
export async function upsertAlert(
  db: pg.Pool | pg.PoolClient, orgId: string, d: Detection,
): Promise<{ alert: Alert; created: boolean; grew: boolean; escalated: boolean }> {
  const ids = [...new Set(d.eventIds)];
  const { rows } = await db.query<AlertRow & { created: boolean; before_count: number | null; before_severity: Severity | null }>(
    `with live as (
       select id, count, severity from alerts where org_id = $2 and rule = $3 and subject_key = $6 and status in ('open', 'acknowledged')
     )
     insert into alerts as a (id, org_id, rule, severity, status, subject, subject_key, title, count, first_seen, last_seen, event_ids)
     values ($1, $2, $3, $4, 'open', $5, $6, $7, cardinality($10::uuid[]), $8, $9, ($10::uuid[])[1:${MAX_ALERT_EVENT_IDS}])
     on conflict (org_id, rule, subject_key) where status in ('open', 'acknowledged') do update set
       count = a.count + (select count(*)::int from unnest($10::uuid[]) as n(x) where not x = any(a.event_ids)),
       severity = case when $11::int > (case a.severity when 'critical' then 2 when 'warning' then 1 else 0 end) then excluded.severity else a.severity end,
       title = excluded.title,
       first_seen = least(a.first_seen, excluded.first_seen),
       last_seen = greatest(a.last_seen, excluded.last_seen),
       event_ids = (select coalesce(array_agg(x order by o), '{}') from (
         select x, min(o) as o from unnest(a.event_ids || $10::uuid[]) with ordinality as u(x, o) group by x order by min(o) limit ${MAX_ALERT_EVENT_IDS}
       ) k),
       updated_at = now()
     returning ${ALERT_COLUMNS}, (xmax = 0) as created, (select count from live) as before_count, (select severity from live) as before_severity`,
    [uuidv7(), orgId, d.rule, d.severity, JSON.stringify(d.subject), subjectKey(d.subject), d.title, d.firstSeen, d.lastSeen, ids, SEVERITY_RANK[d.severity]],
  );
  let row = rows[0]!;
  if (d.criticalAt !== undefined && row.severity !== "critical" && row.count >= d.criticalAt) {
    const raised = await db.query<AlertRow>(
      `update alerts set severity = 'critical', updated_at = now() where id = $1 returning ${ALERT_COLUMNS}`,
      [row.id],
    );
    row = { ...row, ...raised.rows[0]! };
  }
  const before = row.created ? null : (row.before_severity ?? null);
  return {
    alert: rowToAlert(row),
    created: row.created,
    grew: row.created || row.count !== row.before_count,
    escalated: before !== null && SEVERITY_RANK[row.severity] > SEVERITY_RANK[before],
  };
}

export async function listAlerts(orgId: string, opts: { status?: AlertStatus; rule?: string; limit?: number } = {}): Promise<Alert[]> {
  const { rows } = await pool().query<AlertRow>(
    `select ${ALERT_COLUMNS} from alerts where org_id = $1 and ($2::text is null or status = $2) and ($3::text is null or rule = $3)
     order by (status = 'open') desc, last_seen desc, id desc limit $4`,
    [orgId, opts.status ?? null, opts.rule ?? null, opts.limit ?? 100],
  );
  return rows.map(rowToAlert);
}

export async function getAlert(orgId: string, id: string): Promise<Alert | undefined> {
  const { rows } = await pool().query<AlertRow>(`select ${ALERT_COLUMNS} from alerts where org_id = $1 and id = $2`, [orgId, id]);
  return rows[0] ? rowToAlert(rows[0]) : undefined;
}

/** What a report says of the alerts raised in a period. */
export interface AlertSummary {
  total: number;
  by_status: Record<string, number>;
  by_rule: Array<{ rule: string; severity: string | null; count: number; open: number }>;
  items: Array<{ id: string; rule: string; severity: string | null; status: string; subject: string | null; count: number | null; first_seen: string }>;
}

/** The alerts first seen in [from, to), newest first, summed up by status and rule (the first `limit` listed). */
export async function alertsRaisedIn(db: pg.Pool | pg.PoolClient, orgId: string, from: Date, to: Date, limit = 50): Promise<AlertSummary> {
  const { rows } = await db.query<{ id: string; rule: string; severity: string; status: string; subject: string | null; count: number; first_seen: Date }>(
    `select id, rule, severity, status, coalesce(subject ->> 'ip', subject ->> 'actor') as subject, count, first_seen
     from alerts where org_id = $1 and first_seen >= $2 and first_seen < $3 order by first_seen desc, id desc`,
    [orgId, from, to],
  );
  const byStatus: Record<string, number> = {};
  const byRule = new Map<string, { rule: string; severity: string | null; count: number; open: number }>();
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const entry = byRule.get(r.rule) ?? { rule: r.rule, severity: r.severity, count: 0, open: 0 };
    entry.count++;
    if (r.status === "open") entry.open++;
    byRule.set(r.rule, entry);
  }
  return {
    total: rows.length,
    by_status: byStatus,
    by_rule: [...byRule.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
    items: rows.slice(0, limit).map((r) => ({
      id: r.id, rule: r.rule, severity: r.severity, status: r.status, subject: r.subject, count: Number(r.count), first_seen: r.first_seen.toISOString(),
    })),
  };
}
