/**
 * The event catalog of DESIGN.md: categories, statuses, the built-in actions, and how a
 * category and severity are inferred when an integrator leaves them out.
 */

export const CATEGORIES = ["authentication", "data", "settings", "integration", "export"] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ["success", "failed", "pending"] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SOURCES = ["api", "console", "system"] as const;
export type Source = (typeof SOURCES)[number];

export const ACTOR_TYPES = ["user", "api", "system"] as const;

/** UPPER_SNAKE: a letter, then letters, digits and underscores. */
export const ACTION_PATTERN = /^[A-Z][A-Z0-9_]{1,99}$/;

const EXACT: Record<string, Category> = {
  LOGIN_SUCCESS: "authentication",
  LOGIN_FAILED: "authentication",
  LOGOUT: "authentication",
  // A read the console records when the org's policy asks for it (EVENT_VIEWED is a *_VIEWED).
  EVENTS_SEARCHED: "data",
  SETTINGS_CHANGED: "settings",
  PERMISSIONS_CHANGED: "settings",
  INTEGRATION_ENABLED: "integration",
  INTEGRATION_DISABLED: "integration",
  API_CALL: "integration",
  WEBHOOK_DELIVERED: "integration",
  DATA_EXPORTED: "export",
  REPORT_DOWNLOADED: "export",
};

const PATTERNS: Array<[RegExp, Category]> = [
  [/^MFA_/, "authentication"],
  [/^(LOGIN|PASSWORD|SESSION)_/, "authentication"],
  [/_(CREATED|UPDATED|DELETED|VIEWED)$/, "data"],
  [/^INTEGRATION_|^WEBHOOK_/, "integration"],
  [/(^EXPORTED_|_EXPORTED$)/, "export"],
];

/** The catalog's category for an action, or undefined when the action is not in the catalog. */
export function inferCategory(action: string): Category | undefined {
  const exact = EXACT[action];
  if (exact) return exact;
  for (const [pattern, category] of PATTERNS) if (pattern.test(action)) return category;
  return undefined;
}

export function defaultSeverity(action: string, category: Category, status: Status): Severity {
  if (action === "PERMISSIONS_CHANGED" || /_DELETED$/.test(action)) return "warning";
  if (category === "authentication" && status === "failed") return "warning";
  return "info";
}

/**
 * Critical events are kept at least a year (DESIGN.md): authentication failures,
 * permission and settings changes, deletions, exports and integration changes.
 */
export function isCriticalByDefault(action: string, category: Category, status: Status): boolean {
  if (category === "authentication") return status === "failed";
  if (category === "settings" || category === "export" || category === "integration") return action !== "API_CALL";
  return /_DELETED$/.test(action);
}
