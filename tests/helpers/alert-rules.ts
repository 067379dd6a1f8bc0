import { pool } from "@/lib/db/pool";
import { validateRuleConfig, type RuleName } from "@/lib/alerts/rules";

/**
 * Test setup: sets an org's rule straight in alert_rules, validated like the console's, but
 * without the SETTINGS_CHANGED record the console's save (lib/alerts/settings.ts
 * updateAlertRule) writes, so detector tests count only the events they ingest.
 */
export async function saveRuleSetting(orgId: string, rule: RuleName, enabled: boolean, config: unknown): Promise<void> {
  const checked = validateRuleConfig(rule, config);
  if (!checked.ok) throw new Error(checked.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  await pool().query(
    `insert into alert_rules (org_id, rule, enabled, config, updated_at) values ($1, $2, $3, $4, now())
     on conflict (org_id, rule) do update set enabled = excluded.enabled, config = excluded.config, updated_at = now()`,
    [orgId, rule, enabled, JSON.stringify(checked.config)],
  );
}
