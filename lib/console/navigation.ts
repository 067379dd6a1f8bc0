import type { Permission } from "@/lib/auth/permissions";

/**
 * What the console shows a role. The server checks every page and action on its own; this
 * only keeps people from being shown doors they can't open.
 */

export interface NavEntry {
  href: string;
  label: string;
  /** Any one of these opens the entry; none means everyone. */
  anyOf?: Permission[];
}

export const MAIN_NAV: NavEntry[] = [
  { href: "/events", label: "Events", anyOf: ["events:read"] },
  { href: "/reports", label: "Reports", anyOf: ["reports:download"] },
  { href: "/alerts", label: "Alerts", anyOf: ["alerts:manage"] },
  { href: "/settings", label: "Settings", anyOf: ["members:manage", "settings:manage", "apikeys:manage", "alerts:manage"] },
];

export const SETTINGS_NAV: NavEntry[] = [
  { href: "/settings/members", label: "Members", anyOf: ["members:manage"] },
  { href: "/settings/roles", label: "Roles", anyOf: ["members:manage"] },
  { href: "/settings/api-keys", label: "API keys", anyOf: ["apikeys:manage"] },
  { href: "/settings/organization", label: "Organization", anyOf: ["settings:manage"] },
  { href: "/settings/blocklist", label: "Blocklist", anyOf: ["settings:manage"] },
  { href: "/settings/witnesses", label: "Witnesses", anyOf: ["settings:manage"] },
  { href: "/settings/alerts", label: "Alert rules", anyOf: ["alerts:manage"] },
  { href: "/settings/account", label: "Your account" },
];

export function visible(entries: NavEntry[], permissions: readonly Permission[]): NavEntry[] {
  return entries.filter((e) => !e.anyOf || e.anyOf.some((p) => permissions.includes(p)));
}
