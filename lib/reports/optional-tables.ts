import type pg from "pg";
import ipaddr from "ipaddr.js";

/**
 * Tables the report reads when another capability has created them: the blocklist
 * (alerts' response actions) and the alerts themselves. Each is looked up by name and its
 * columns by the catalog, so the report works before, and keeps working after, they land.
 */

type Db = pg.Pool | pg.PoolClient;

/**
 * The table's columns and their types, or undefined when it does not exist. Resolved like
 * a query would resolve the name (search_path), so a test may stand one in as a temp table.
 */
export async function columnsOf(db: Db, table: string): Promise<Map<string, string> | undefined> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
     where attrelid = to_regclass($1) and attnum > 0 and not attisdropped`,
    [table],
  );
  return rows.length > 0 ? new Map(rows.map((r) => [r.name, r.type])) : undefined;
}

export interface Blocklist {
  /** False when the blocklist table does not exist yet: nothing can be "blocked". */
  available: boolean;
  isIpBlocked(ip: string): boolean;
  isActorBlocked(actor: string): boolean;
}

/** The org's blocklist entries in force now (not expired, not removed). */
export async function loadBlocklist(db: Db, orgId: string, now = new Date()): Promise<Blocklist> {
  const cols = await columnsOf(db, "blocklist_entries");
  if (!cols || !cols.has("org_id") || !cols.has("kind") || !cols.has("value")) {
    return { available: false, isIpBlocked: () => false, isActorBlocked: () => false };
  }
  const conditions = ["org_id = $1"];
  if (cols.has("expires_at")) conditions.push("(expires_at is null or expires_at > $2)");
  for (const c of ["removed_at", "revoked_at", "deleted_at", "lifted_at"]) if (cols.has(c)) conditions.push(`${c} is null`);
  const params: unknown[] = [orgId];
  if (cols.has("expires_at")) params.push(now);
  const { rows } = await db.query<{ kind: string; value: string }>(
    `select kind, value::text as value from blocklist_entries where ${conditions.join(" and ")}`,
    params,
  );
  const addresses = new Set<string>();
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  const actors = new Set<string>();
  for (const r of rows) {
    if (r.kind === "actor") actors.add(r.value.toLowerCase());
    else if (r.kind === "ip" || r.kind === "cidr") {
      try {
        if (r.value.includes("/")) ranges.push(ipaddr.parseCIDR(r.value));
        else addresses.add(ipaddr.process(r.value).toString());
      } catch {
        // A value the alerts capability stored but that isn't an address can block nothing.
      }
    }
  }
  return {
    available: true,
    isIpBlocked(ip) {
      if (!ipaddr.isValid(ip)) return false;
      const addr = ipaddr.process(ip);
      if (addresses.has(addr.toString())) return true;
      return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
    },
    isActorBlocked: (actor) => actors.has(actor.toLowerCase()),
  };
}

export interface AlertSummary {
  total: number;
  by_status: Record<string, number>;
  by_rule: Array<{ rule: string; severity: string | null; count: number; open: number }>;
  items: Array<{ id: string; rule: string; severity: string | null; status: string; subject: string | null; count: number | null; first_seen: string }>;
}

/** Alerts raised in [from, to), or null when the alerts table does not exist yet. */
export async function alertsInPeriod(db: Db, orgId: string, from: Date, to: Date, limit = 50): Promise<AlertSummary | null> {
  const cols = await columnsOf(db, "alerts");
  const time = ["first_seen", "created_at", "raised_at"].find((c) => cols?.has(c));
  if (!cols || !cols.has("org_id") || !time) return null;
  const pick = (name: string, fallback = "null") => (cols.has(name) ? name : fallback);
  // DESIGN.md's alert subject is { ip?, actor? }; show whichever it names.
  const subject = cols.get("subject") === "jsonb" ? "coalesce(subject ->> 'ip', subject ->> 'actor', subject::text)" : cols.has("subject") ? "subject::text" : "null";
  const { rows } = await db.query<{ id: string; rule: string; severity: string | null; status: string; subject: string | null; count: number | null; first_seen: Date }>(
    `select ${pick("id", "null")}::text as id, coalesce(${pick("rule")}::text, '(rule)') as rule, ${pick("severity")}::text as severity,
       coalesce(${pick("status")}::text, 'open') as status, ${subject} as subject, ${pick("count")}::bigint as count, ${time} as first_seen
     from alerts where org_id = $1 and ${time} >= $2 and ${time} < $3 order by ${time} desc`,
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
      id: r.id, rule: r.rule, severity: r.severity, status: r.status, subject: r.subject,
      count: r.count === null ? null : Number(r.count), first_seen: r.first_seen.toISOString(),
    })),
  };
}
