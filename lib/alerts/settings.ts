import { VigilError } from "@/lib/errors";
import { diff } from "@/lib/audit/mask";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { RULE_CONFIGS, validateRuleConfig, type RuleName } from "@/lib/alerts/rules";

/**
 * Settings → Alert rules: an org's change to one detector (enabled, thresholds, window,
 * automatic actions) is validated, saved and recorded as a SETTINGS_CHANGED event with
 * each field's before and after, in one transaction. A field the change leaves out keeps
 * its present value.
 */

/** Issues of a rule's config as the form's field errors (the first issue per field). */
export function ruleFieldErrors(issues: { path: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) out[i.path.split(".")[0] || "form"] ??= i.message;
  return out;
}

export async function updateAlertRule(
  orgId: string,
  actor: PersonActor,
  rule: RuleName,
  next: { enabled: boolean; values: Record<string, unknown> },
): Promise<{ changed: number }> {
  return withAudit(orgId, actor, async (client) => {
    // The row exists (defaults) and is locked, so two saves of the same rule queue up and
    // the second one's "before" is the first one's "after".
    await client.query("insert into alert_rules (org_id, rule) values ($1, $2) on conflict (org_id, rule) do nothing", [orgId, rule]);
    const { rows } = await client.query<{ enabled: boolean; config: unknown }>(
      "select enabled, config from alert_rules where org_id = $1 and rule = $2 for update",
      [orgId, rule],
    );
    const stored = RULE_CONFIGS[rule].safeParse(rows[0]!.config);
    const current = (stored.success ? stored.data : RULE_CONFIGS[rule].parse({})) as Record<string, unknown>;
    const checked = validateRuleConfig(rule, { ...current, ...next.values });
    if (!checked.ok) throw new VigilError("invalid_request", "Check the highlighted fields.", ruleFieldErrors(checked.issues));
    const before = { enabled: rows[0]!.enabled, ...current };
    const after = { enabled: next.enabled, ...(checked.config as Record<string, unknown>) };
    const prefixed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${rule}.${k}`, v]));
    const changes = diff(prefixed(before), prefixed(after));
    if (changes.length === 0) return { result: { changed: 0 }, events: [] };
    await client.query(
      "update alert_rules set enabled = $3, config = $4, updated_at = now() where org_id = $1 and rule = $2",
      [orgId, rule, next.enabled, JSON.stringify(checked.config)],
    );
    return {
      result: { changed: changes.length },
      events: [{
        action: "SETTINGS_CHANGED",
        category: "settings",
        targets: [{ type: "alert_rule", id: rule }],
        changes,
        metadata: { section: "alert_rules", action: "updated", rule, details: changes.map((c) => c.field).join(", ") },
      }],
    };
  });
}
