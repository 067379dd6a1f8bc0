/**
 * Console permissions and the built-in roles made of them. Custom roles are any subset.
 */
export const PERMISSIONS = [
  "events:read",
  "events:export",
  "reports:download",
  "alerts:manage",
  "settings:manage",
  "members:manage",
  "apikeys:manage",
  "retention:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const BUILT_IN_ROLES: Record<string, { name: string; permissions: Permission[] }> = {
  owner: { name: "Owner", permissions: [...PERMISSIONS] },
  admin: { name: "Administrator", permissions: [...PERMISSIONS] },
  manager: { name: "Manager", permissions: ["events:read", "events:export", "reports:download", "alerts:manage"] },
  director: { name: "Director", permissions: ["events:read", "reports:download"] },
  auditor: { name: "Auditor", permissions: ["events:read", "events:export", "reports:download"] },
  agent: { name: "Agent", permissions: [] },
};
