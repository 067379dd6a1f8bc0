import { pool } from "@/lib/db/pool";
import type { Detection } from "@/lib/alerts/store";
import { RULE_SEVERITY, type RuleConfig, type RuleSettings } from "@/lib/alerts/rules";

/**
 * The five suspicious-activity detectors. Each looks at a batch of newly stored events (by
 * seq, so back-dated events that arrive late are seen too) and, where a pattern needs
 * history (a burst in a window, an org's usual export size), reads it from the indexes
 * that lead with the org. A detection carries every event of the pattern; the store
 * folds repeated detections into one alert.
 */

export interface NewEvent {
  id: string;
  seq: number;
  occurred_at: Date;
  action: string;
  category: string;
  actor_type: string | null;
  actor_id: string | null;
  actor_email: string | null;
  ip: string | null;
  targets: Array<{ type: string; id: string; name: string | null }>;
  changes: Array<{ field: string; before: unknown; after: unknown }>;
  metadata: Record<string, unknown>;
}

export const NEW_EVENT_COLUMNS = "id, seq, occurred_at, action, category, actor_type, actor_id, actor_email, host(ip) as ip, targets, changes, metadata";

export interface OrgProfile {
  id: string;
  timezone: string;
  business_hours: { days: number[]; start: string; end: string };
}

const MINUTE = 60_000;

function actorOf(e: Pick<NewEvent, "actor_email" | "actor_id">): string | null {
  return e.actor_email ?? e.actor_id;
}

/** Events inside any window of `windowMs` holding at least `threshold` of them. */
export function burstMembers<T extends { occurred_at: Date }>(sorted: T[], threshold: number, windowMs: number): T[] {
  const marked = new Set<number>();
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i]!.occurred_at.getTime() - sorted[j]!.occurred_at.getTime() > windowMs) j++;
    if (i - j + 1 >= threshold) for (let k = j; k <= i; k++) marked.add(k);
  }
  return [...marked].sort((a, b) => a - b).map((k) => sorted[k]!);
}

interface Hit {
  id: string;
  occurred_at: Date;
}

function detectionOf(
  rule: keyof RuleSettings, subject: Detection["subject"], title: string, hits: Hit[], more: Partial<Pick<Detection, "severity" | "criticalAt">> = {},
): Detection {
  const times = hits.map((h) => h.occurred_at.getTime());
  return {
    rule, severity: RULE_SEVERITY[rule], subject, title, eventIds: hits.map((h) => h.id),
    firstSeen: new Date(Math.min(...times)), lastSeen: new Date(Math.max(...times)), ...more,
  };
}

/**
 * A burst around the new events of one key: history from one window before the first
 * new event to one window after the last, so a burst straddling two batches is whole.
 */
async function burstAround(
  orgId: string, where: string, params: unknown[], fresh: NewEvent[], threshold: number, windowMinutes: number,
): Promise<Hit[]> {
  const windowMs = windowMinutes * MINUTE;
  const times = fresh.map((e) => e.occurred_at.getTime());
  const from = new Date(Math.min(...times) - windowMs);
  const to = new Date(Math.max(...times) + windowMs);
  const { rows } = await pool().query<Hit>(
    `select id, occurred_at from audit_events where org_id = $1 and occurred_at between $2 and $3 and source <> 'system' and ${where}
     order by occurred_at, seq`,
    [orgId, from, to, ...params],
  );
  const members = burstMembers(rows, threshold, windowMs);
  const freshIds = new Set(fresh.map((e) => e.id));
  // Only a burst that holds a new event is news; an older one was reported when it happened.
  return members.some((m) => freshIds.has(m.id)) ? members : [];
}

function groupBy<T>(items: T[], key: (t: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}

function ipv4Network(ip: string, prefix: number): string {
  if (prefix >= 32 || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip;
  const n = ip.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const masked = prefix === 0 ? 0 : (n & (~0 << (32 - prefix))) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (masked >>> s) & 255).join(".")}/${prefix}`;
}

export async function bruteForce(orgId: string, events: NewEvent[], c: RuleConfig<"brute_force">): Promise<Detection[]> {
  const failed = events.filter((e) => e.action === "LOGIN_FAILED");
  const out: Detection[] = [];
  // The alert (over all its runs, not this burst alone) turns critical at this many failures.
  const escalate = { criticalAt: Math.max(c.critical_count, c.threshold) };
  for (const [net, fresh] of groupBy(failed, (e) => (e.ip ? ipv4Network(e.ip, c.ipv4_prefix) : null))) {
    const hits = await burstAround(orgId, "action = 'LOGIN_FAILED' and ip <<= $4::inet", [net], fresh, c.threshold, c.window_minutes);
    if (hits.length > 0) out.push(detectionOf("brute_force", { ip: net }, `${hits.length} failed sign-ins from ${net} within ${c.window_minutes} minutes`, hits, escalate));
  }
  for (const [account, fresh] of groupBy(failed, actorOf)) {
    const column = fresh[0]!.actor_email ? "actor_email" : "actor_id";
    const hits = await burstAround(orgId, `action = 'LOGIN_FAILED' and ${column} = $4`, [account], fresh, c.threshold, c.window_minutes);
    if (hits.length > 0) out.push(detectionOf("brute_force", { actor: account }, `${hits.length} failed sign-ins against ${account} within ${c.window_minutes} minutes`, hits, escalate));
  }
  return out;
}

export async function massDeletion(orgId: string, events: NewEvent[], c: RuleConfig<"mass_deletion">): Promise<Detection[]> {
  const deletions = events.filter((e) => /_DELETED$/.test(e.action));
  const out: Detection[] = [];
  for (const [actor, fresh] of groupBy(deletions, actorOf)) {
    const column = fresh[0]!.actor_email ? "actor_email" : "actor_id";
    const hits = await burstAround(orgId, `${column} = $4 and action like '%\\_DELETED'`, [actor], fresh, c.threshold, c.window_minutes);
    if (hits.length > 0) out.push(detectionOf("mass_deletion", { actor }, `${actor} deleted ${hits.length} records within ${c.window_minutes} minutes`, hits));
  }
  return out;
}

function recordsOf(e: NewEvent): number | null {
  const v = e.metadata.records;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

export async function largeExport(orgId: string, events: NewEvent[], c: RuleConfig<"large_export">): Promise<Detection[]> {
  const out: Detection[] = [];
  for (const e of events) {
    if (e.category !== "export") continue;
    const records = recordsOf(e);
    if (records === null) continue;
    // The org's usual: the median of its previous 90 days of the same export action.
    const { rows } = await pool().query<{ median: number | null; n: number }>(
      `select percentile_cont(0.5) within group (order by (metadata->>'records')::numeric)::float8 as median, count(*)::int as n
       from audit_events where org_id = $1 and action = $2 and occurred_at >= $3::timestamptz - interval '90 days' and occurred_at <= $3
         and seq <> $4 and source <> 'system' and jsonb_typeof(metadata->'records') = 'number'`,
      [orgId, e.action, e.occurred_at, e.seq],
    );
    const usual = rows[0]!;
    const aboveThreshold = records > c.threshold;
    const aboveUsual = usual.n >= c.min_history && usual.median !== null && records > c.factor * Math.max(usual.median, 1);
    if (!aboveThreshold && !aboveUsual) continue;
    const who = actorOf(e) ?? "an unknown actor";
    const why = aboveThreshold ? `above the ${c.threshold} threshold` : `${Math.round(records / Math.max(usual.median!, 1))}× the org's usual ${usual.median}`;
    const critical = records > Math.max(c.critical_threshold, c.threshold);
    out.push(detectionOf("large_export", actorOf(e) ? { actor: who } : {}, `${who} exported ${records} records (${why})`, [e], critical ? { severity: "critical" } : {}));
  }
  return out;
}

function matchesAction(action: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.startsWith("*") ? action.endsWith(p.slice(1)) : p.endsWith("*") ? action.startsWith(p.slice(0, -1)) : action === p));
}

/** Day of week (1 = Monday … 7 = Sunday) and "HH:MM" of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): { day: number; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday")) + 1;
  return { day, time: `${get("hour")}:${get("minute")}` };
}

export function outsideBusinessHours(at: Date, org: OrgProfile): boolean {
  const { day, time } = localTime(at, org.timezone);
  const bh = org.business_hours;
  return !bh.days.includes(day) || time < bh.start || time >= bh.end;
}

export async function offHours(org: OrgProfile, events: NewEvent[], c: RuleConfig<"off_hours">): Promise<Detection[]> {
  const exceptions = new Set(c.exceptions.map((x) => x.toLowerCase()));
  const hits = events.filter((e) => {
    const actor = actorOf(e);
    if (!actor || (e.actor_type !== null && e.actor_type !== "user")) return false;
    if (exceptions.has(actor.toLowerCase()) || (e.actor_id && exceptions.has(e.actor_id.toLowerCase()))) return false;
    return matchesAction(e.action, c.actions) && outsideBusinessHours(e.occurred_at, org);
  });
  const bh = org.business_hours;
  return [...groupBy(hits, actorOf)].map(([actor, list]) =>
    detectionOf("off_hours", { actor }, `${actor} active outside business hours (${bh.start}–${bh.end} ${org.timezone})`, list));
}

const ROLE_RANK: Record<string, number> = { viewer: 0, agent: 0, member: 1, auditor: 1, director: 1, manager: 2, admin: 3, administrator: 3, owner: 4 };

function roleOf(v: unknown): string | null {
  return typeof v === "string" && v.trim() ? v.trim().toLowerCase() : null;
}

export async function privilegeEscalation(events: NewEvent[], c: RuleConfig<"privilege_escalation">): Promise<Detection[]> {
  const privileged = new Set(c.privileged_roles.map((r) => r.toLowerCase()));
  const rank = (r: string | null) => (r === null ? -1 : privileged.has(r) ? Math.max(ROLE_RANK[r] ?? 3, 3) : (ROLE_RANK[r] ?? 1));
  const out: Detection[] = [];
  for (const e of events) {
    if (e.action !== "PERMISSIONS_CHANGED") continue;
    const roleChange = e.changes.find((ch) => ch.field === "role");
    const next = roleOf(e.metadata.new_role ?? e.metadata.role ?? roleChange?.after);
    const previous = roleOf(e.metadata.previous_role ?? roleChange?.before);
    const userTarget = e.targets.find((t) => t.type === "user");
    const targetIds = [e.metadata.user, userTarget?.id, userTarget?.name].filter((x): x is string => typeof x === "string").map((x) => x.toLowerCase());
    const actorIds = [e.actor_email, e.actor_id].filter((x): x is string => !!x).map((x) => x.toLowerCase());
    const selfGrant = targetIds.some((t) => actorIds.includes(t)) && rank(next) >= rank(previous);
    const toPrivileged = next !== null && privileged.has(next) && rank(next) > rank(previous);
    if (!selfGrant && !toPrivileged) continue;
    const actor = actorOf(e) ?? "an unknown actor";
    const whom = (typeof e.metadata.user === "string" ? e.metadata.user : userTarget?.name ?? userTarget?.id) ?? "a user";
    const title = selfGrant
      ? `${actor} changed their own permissions${next ? ` to ${next}` : ""}`
      : `${actor} made ${whom} ${next}${previous ? ` (was ${previous})` : ""}`;
    out.push(detectionOf("privilege_escalation", actorOf(e) ? { actor } : {}, title, [e]));
  }
  return out;
}

export async function runDetectors(org: OrgProfile, events: NewEvent[], settings: RuleSettings): Promise<Detection[]> {
  const out: Detection[] = [];
  if (settings.brute_force.enabled) out.push(...(await bruteForce(org.id, events, settings.brute_force.config)));
  if (settings.large_export.enabled) out.push(...(await largeExport(org.id, events, settings.large_export.config)));
  if (settings.off_hours.enabled) out.push(...(await offHours(org, events, settings.off_hours.config)));
  if (settings.privilege_escalation.enabled) out.push(...(await privilegeEscalation(events, settings.privilege_escalation.config)));
  if (settings.mass_deletion.enabled) out.push(...(await massDeletion(org.id, events, settings.mass_deletion.config)));
  return out;
}
