import { RULE_CONFIGS, type RuleName } from "@/lib/alerts/rules";

/**
 * How Settings → Alert rules shows and reads each rule's config: one entry per config key
 * (a test checks none is missing), its label, and how a form's text becomes the value
 * lib/alerts/rules.ts validates. Labels and hints are for people; the keys are the
 * stored config's.
 */

export type FieldKind = "int" | "number" | "flag" | "list";

export interface RuleField {
  key: string;
  kind: FieldKind;
  label: string;
  hint?: string;
  /** Automatic response actions are shown apart from thresholds. */
  automatic?: boolean;
}

export const RULE_DESCRIPTIONS: Record<RuleName, string> = {
  brute_force: "Failed sign-ins (LOGIN_FAILED) from one address or range, or against one account, within a window.",
  large_export: "An export whose record count is above a threshold, or far above the organization's usual.",
  off_hours: "Sign-ins and sensitive actions outside the organization's business hours (Settings → Organization), in its time zone.",
  privilege_escalation: "A role change to a privileged role from a lower one, or anyone changing their own role.",
  mass_deletion: "Many *_DELETED events by one actor within a window.",
};

const incident: RuleField = { key: "open_incident", kind: "flag", label: "Open an incident automatically", automatic: true };
const blockActor: RuleField = {
  key: "block_actor", kind: "flag", label: "Block the account automatically", automatic: true,
  hint: "Puts the actor on the blocklist; a Vigil user of this organization is also locked out until unblocked.",
};

export const RULE_FIELDS: Record<RuleName, RuleField[]> = {
  brute_force: [
    { key: "threshold", kind: "int", label: "Failed sign-ins", hint: "At least this many within the window raise an alert (2 or more)." },
    { key: "window_minutes", kind: "int", label: "Window (minutes)", hint: "1 to 1440." },
    { key: "ipv4_prefix", kind: "int", label: "IPv4 prefix length", hint: "Addresses in one /prefix count together: 24 groups a /24 range, 32 counts each address." },
    { key: "critical_count", kind: "int", label: "Critical at (failed sign-ins in the alert)", hint: "The alert turns critical, and the channels are notified again, once it holds this many." },
    { key: "block_ip", kind: "flag", label: "Block the IP or range automatically", automatic: true, hint: "Vigil's sign-in refuses it; integrators read it from GET /api/v1/blocklist." },
    incident,
  ],
  large_export: [
    { key: "threshold", kind: "int", label: "Records above", hint: "An export of more records than this raises an alert." },
    { key: "factor", kind: "number", label: "Times the usual", hint: "Also alert above this many times the median of the last 90 days' exports (2 or more)." },
    { key: "min_history", kind: "int", label: "Exports needed to judge the usual", hint: "The comparison with the usual starts once there are this many." },
    { key: "critical_threshold", kind: "int", label: "Critical above (records)", hint: "A larger export is critical rather than a warning." },
    blockActor,
    incident,
  ],
  off_hours: [
    { key: "actions", kind: "list", label: "Actions that count", hint: "Comma-separated; *_DELETED matches a suffix, MFA_* a prefix." },
    { key: "exceptions", kind: "list", label: "People who may work any hour", hint: "Comma-separated e-mails or actor ids: on-call staff, for example." },
    incident,
  ],
  privilege_escalation: [
    { key: "privileged_roles", kind: "list", label: "Privileged roles", hint: "Comma-separated. A change to one of these from a lower role raises a critical alert; so does anyone changing their own role." },
    blockActor,
    incident,
  ],
  mass_deletion: [
    { key: "threshold", kind: "int", label: "Deletions", hint: "At least this many *_DELETED by one actor within the window (2 or more)." },
    { key: "window_minutes", kind: "int", label: "Window (minutes)", hint: "1 to 1440." },
    blockActor,
    incident,
  ],
};

/** The config keys a rule's schema holds, to check RULE_FIELDS covers them. */
export function configKeys(rule: RuleName): string[] {
  return Object.keys(RULE_CONFIGS[rule].shape);
}

function numberOf(raw: unknown): number | null {
  const text = typeof raw === "string" ? raw.trim() : "";
  // Empty is "no value" (refused with the field's message), not the default.
  return text === "" ? null : Number(text);
}

/** A form's fields as a partial config: what the form holds, typed for the schema. */
export function ruleValuesFromForm(rule: RuleName, form: Record<string, string | string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of RULE_FIELDS[rule]) {
    const raw = form[f.key];
    if (f.kind === "flag") out[f.key] = raw === "on" || raw === "true";
    else if (raw === undefined) continue;
    else if (f.kind === "list") {
      const text = Array.isArray(raw) ? raw.join("\n") : raw;
      out[f.key] = text.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean);
    } else out[f.key] = numberOf(Array.isArray(raw) ? raw[0] : raw);
  }
  return out;
}

/** A config value as a form shows it. */
export function formValue(kind: FieldKind, value: unknown): string {
  if (kind === "list") return Array.isArray(value) ? value.join(", ") : "";
  return value === undefined || value === null ? "" : String(value);
}
