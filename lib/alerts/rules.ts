import { z } from "zod";
import { pool } from "@/lib/db/pool";

/**
 * The detectors' per-org settings: a row in alert_rules overrides a rule's defaults
 * (enabled, thresholds, window). Unknown keys are refused so a typo can't silently keep
 * a default.
 */

const int = (min: number, max = 1_000_000_000) =>
  z.number({ error: "enter a whole number" }).int("enter a whole number").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const window = int(1, 24 * 60);
const flag = z.boolean({ error: "must be on or off" });
/** Action names as the search language writes them; a leading or trailing "*" matches a suffix or prefix. */
const actionPattern = z.string().trim().regex(/^\*?[A-Z0-9_.:-]+\*?$/i, "must be an action name such as LOGIN_SUCCESS or *_DELETED").max(100);
const list = <T extends z.ZodType>(item: T, max = 200) => z.array(item).max(max, `holds at most ${max} entries`);

/** Response actions a rule may take by itself on a new alert (each default off). */
const autoIncident = { open_incident: flag.default(false) };
const autoBlockActor = { block_actor: flag.default(false) };

export const RULE_CONFIGS = {
  brute_force: z.strictObject({
    threshold: int(2).default(5),
    window_minutes: window.default(10),
    /** Failed logins from addresses in one IPv4 /prefix count together (32: one address). */
    ipv4_prefix: int(8, 32).default(32),
    /** The alert turns critical once it holds this many failed sign-ins (and notifies again). */
    critical_count: int(2).default(50),
    block_ip: flag.default(false),
    ...autoIncident,
  }),
  large_export: z.strictObject({
    threshold: int(1).default(10_000),
    /** Also alert when an export is this many times the org's usual (median of recent exports)… */
    factor: z.number({ error: "enter a number" }).min(2, "must be at least 2").max(1_000_000, "must be at most 1000000").default(10),
    /** …once the org has at least this many exports to judge "usual" from. */
    min_history: int(1, 10_000).default(5),
    /** An export above this many records is critical rather than a warning. */
    critical_threshold: int(1).default(100_000),
    ...autoBlockActor,
    ...autoIncident,
  }),
  off_hours: z.strictObject({
    /** Actions that count; "*" suffix matches a prefix. Default: sign-ins and exports. */
    actions: list(actionPattern, 100).default(["LOGIN_SUCCESS", "DATA_EXPORTED", "REPORT_DOWNLOADED", "PERMISSIONS_CHANGED", "*_DELETED"]),
    /** Actor e-mails or ids allowed to work at any hour. */
    exceptions: list(z.string().trim().min(1).max(320, "an entry is longer than 320 characters")).default([]),
    ...autoIncident,
  }),
  privilege_escalation: z.strictObject({
    privileged_roles: list(z.string().trim().toLowerCase().regex(/^[a-z0-9_ -]{1,64}$/, "a role is letters, digits, spaces, - or _ (up to 64)"), 50)
      .default(["admin", "administrator", "owner"]),
    ...autoBlockActor,
    ...autoIncident,
  }),
  mass_deletion: z.strictObject({
    threshold: int(2).default(20),
    window_minutes: window.default(10),
    ...autoBlockActor,
    ...autoIncident,
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

/** Checks that relate two fields, which each field's schema can't see alone. */
function crossFieldIssues(rule: RuleName, c: Record<string, unknown>): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (rule === "brute_force" && (c.critical_count as number) < (c.threshold as number)) out.push({ path: "critical_count", message: "must be at least the threshold" });
  if (rule === "large_export" && (c.critical_threshold as number) < (c.threshold as number)) out.push({ path: "critical_threshold", message: "must be at least the threshold" });
  return out;
}

/** A rule's config as it will be stored (defaults filled in), or the issues that name each wrong field. */
export function validateRuleConfig<R extends RuleName>(rule: R, config: unknown):
  { ok: true; config: RuleConfig<R> } | { ok: false; issues: { path: string; message: string }[] } {
  const parsed = RULE_CONFIGS[rule].safeParse(config ?? {});
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "config", message: i.message })) };
  const issues = crossFieldIssues(rule, parsed.data as Record<string, unknown>);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: parsed.data as RuleConfig<R> };
}

