import { z } from "zod";
import { pool } from "@/lib/db/pool";

/**
 * The detectors' per-org settings: a row in alert_rules overrides a rule's defaults
 * (enabled, thresholds, window). Unknown keys are refused so a typo can't silently keep
 * a default.
 */

const window = z.number().int().min(1).max(24 * 60);

export const RULE_CONFIGS = {
  brute_force: z.strictObject({
    threshold: z.number().int().min(2).default(5),
    window_minutes: window.default(10),
    /** Failed logins from addresses in one IPv4 /prefix count together (32: one address). */
    ipv4_prefix: z.number().int().min(8).max(32).default(32),
    block_ip: z.boolean().default(false),
  }),
  large_export: z.strictObject({
    threshold: z.number().int().min(1).default(10_000),
    /** Also alert when an export is this many times the org's usual (median of recent exports)… */
    factor: z.number().min(2).default(10),
    /** …once the org has at least this many exports to judge "usual" from. */
    min_history: z.number().int().min(1).default(5),
  }),
  off_hours: z.strictObject({
    /** Actions that count; "*" suffix matches a prefix. Default: sign-ins and exports. */
    actions: z.array(z.string()).default(["LOGIN_SUCCESS", "DATA_EXPORTED", "REPORT_DOWNLOADED", "PERMISSIONS_CHANGED", "*_DELETED"]),
    /** Actor e-mails or ids allowed to work at any hour. */
    exceptions: z.array(z.string()).default([]),
  }),
  privilege_escalation: z.strictObject({
    privileged_roles: z.array(z.string()).default(["admin", "administrator", "owner"]),
  }),
  mass_deletion: z.strictObject({
    threshold: z.number().int().min(2).default(20),
    window_minutes: window.default(10),
  }),
} as const;

export type RuleName = keyof typeof RULE_CONFIGS;
export const RULE_NAMES = Object.keys(RULE_CONFIGS) as RuleName[];
export type RuleConfig<R extends RuleName> = z.infer<(typeof RULE_CONFIGS)[R]>;

export const RULE_SEVERITY: Record<RuleName, "info" | "warning" | "critical"> = {
  brute_force: "warning",
  large_export: "warning",
  off_hours: "info",
  privilege_escalation: "critical",
  mass_deletion: "critical",
};

export interface RuleSettings {
  brute_force: { enabled: boolean; config: RuleConfig<"brute_force"> };
  large_export: { enabled: boolean; config: RuleConfig<"large_export"> };
  off_hours: { enabled: boolean; config: RuleConfig<"off_hours"> };
  privilege_escalation: { enabled: boolean; config: RuleConfig<"privilege_escalation"> };
  mass_deletion: { enabled: boolean; config: RuleConfig<"mass_deletion"> };
}

export function defaultRuleSettings(): RuleSettings {
  const out = {} as Record<RuleName, { enabled: boolean; config: unknown }>;
  for (const r of RULE_NAMES) out[r] = { enabled: true, config: RULE_CONFIGS[r].parse({}) };
  return out as unknown as RuleSettings;
}

export async function ruleSettings(orgId: string): Promise<RuleSettings> {
  const settings = defaultRuleSettings() as unknown as Record<string, { enabled: boolean; config: unknown }>;
  const { rows } = await pool().query<{ rule: string; enabled: boolean; config: unknown }>("select rule, enabled, config from alert_rules where org_id = $1", [orgId]);
  for (const row of rows) {
    const schema = RULE_CONFIGS[row.rule as RuleName];
    if (!schema) continue;
    const parsed = schema.safeParse(row.config);
    // A stored config that no longer parses falls back to the defaults rather than disabling detection.
    settings[row.rule] = { enabled: row.enabled, config: parsed.success ? parsed.data : schema.parse({}) };
  }
  return settings as unknown as RuleSettings;
}

export class RuleConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
}

/** Saves an org's setting for one rule after validating it against the rule's schema. */
export async function saveRuleSetting(orgId: string, rule: RuleName, enabled: boolean, config: unknown): Promise<void> {
  const parsed = RULE_CONFIGS[rule].safeParse(config ?? {});
  if (!parsed.success) throw new RuleConfigError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  await pool().query(
    `insert into alert_rules (org_id, rule, enabled, config, updated_at) values ($1, $2, $3, $4, now())
     on conflict (org_id, rule) do update set enabled = excluded.enabled, config = excluded.config, updated_at = now()`,
    [orgId, rule, enabled, JSON.stringify(parsed.data)],
  );
}
