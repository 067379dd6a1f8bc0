export const API_SCOPES = ["events:write", "events:read", "reports:read", "admin"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** `admin` holds every other scope. */
export function hasScope(scopes: readonly string[], needed: ApiScope): boolean {
  return scopes.includes("admin") || scopes.includes(needed);
}
