import { pool } from "@/lib/db/pool";
import { invalid } from "@/lib/errors";
import type { Actor } from "@/lib/audit/actor";
import { withAudit } from "@/lib/audit/record";
import { ACTION_PATTERN } from "@/lib/events/catalog";

/**
 * Retention policy per org: hot events are kept at least 90 days, critical ones at least
 * 365 (DESIGN.md); lower settings are refused. The critical set is the catalog's default
 * (isCriticalByDefault) plus `critical_include` minus `critical_exclude` — action patterns
 * with `*`. criticalSql is the same rule in SQL, for the deletion query.
 */

export const MIN_HOT_DAYS = 90;
export const MIN_CRITICAL_DAYS = 365;

export interface RetentionPolicy {
  hot_days: number;
  critical_days: number;
  critical_include: string[];
  critical_exclude: string[];
}

export const DEFAULT_POLICY: RetentionPolicy = { hot_days: MIN_HOT_DAYS, critical_days: MIN_CRITICAL_DAYS, critical_include: [], critical_exclude: [] };


export async function retentionPolicy(orgId: string): Promise<RetentionPolicy> {
  const { rows } = await pool().query<RetentionPolicy>(
    "select hot_days, critical_days, critical_include, critical_exclude from retention_policies where org_id = $1",
    [orgId],
  );
  return rows[0] ?? { ...DEFAULT_POLICY };
}

const PATTERN = /^[A-Z0-9_*]{1,100}$/;

export function validatePolicy(p: RetentionPolicy): void {
  if (!Number.isInteger(p.hot_days) || p.hot_days < MIN_HOT_DAYS) {
    throw invalid(`Hot retention must be at least ${MIN_HOT_DAYS} days; ${p.hot_days} was refused.`);
  }
  if (!Number.isInteger(p.critical_days) || p.critical_days < MIN_CRITICAL_DAYS) {
    throw invalid(`Critical events must be kept at least ${MIN_CRITICAL_DAYS} days; ${p.critical_days} was refused.`);
  }
  if (p.critical_days < p.hot_days) {
    throw invalid(`Critical events can't be kept for less time (${p.critical_days} days) than other events (${p.hot_days} days).`);
  }
  for (const a of [...p.critical_include, ...p.critical_exclude]) {
    if (!PATTERN.test(a) || (!a.includes("*") && !ACTION_PATTERN.test(a))) throw invalid(`'${a}' is not an action or an action pattern like CONTACT_*`);
  }
}

export async function saveRetentionPolicy(orgId: string, policy: RetentionPolicy, by: Actor): Promise<RetentionPolicy> {
  validatePolicy(policy);
  const before = await retentionPolicy(orgId);
  await withAudit(orgId, by, async (client) => {
    await client.query(
      `insert into retention_policies (org_id, hot_days, critical_days, critical_include, critical_exclude, updated_at) values ($1, $2, $3, $4, $5, now())
       on conflict (org_id) do update set hot_days = excluded.hot_days, critical_days = excluded.critical_days,
         critical_include = excluded.critical_include, critical_exclude = excluded.critical_exclude, updated_at = now()`,
      [orgId, policy.hot_days, policy.critical_days, policy.critical_include, policy.critical_exclude],
    );
    const changes = (Object.keys(policy) as (keyof RetentionPolicy)[])
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(policy[k]))
      .map((k) => ({ field: k, before: before[k], after: policy[k] }));
    return {
      result: undefined,
      events: [{ action: "SETTINGS_CHANGED", changes, metadata: { section: "retention", action: "update" } }],
    };
  });
  return policy;
}

const toLike = (pattern: string) => pattern.replace(/_/g, "\\_").replace(/\*/g, "%");

/**
 * The SQL condition "this row is critical" under the policy, with its parameters appended
 * to `params`. Mirrors isCriticalByDefault in lib/events/catalog.ts.
 */
export function criticalSql(policy: RetentionPolicy, params: unknown[]): string {
  const byDefault = `((category = 'authentication' and status = 'failed')
    or (category in ('settings', 'export', 'integration') and action <> 'API_CALL')
    or action like '%\\_DELETED')`;
  params.push(policy.critical_include.map(toLike));
  const include = `action like any($${params.length}::text[])`;
  params.push(policy.critical_exclude.map(toLike));
  const exclude = `action like any($${params.length}::text[])`;
  return `(${include} or (${byDefault} and not ${exclude}))`;
}
