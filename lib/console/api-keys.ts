import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { generateApiKey, hashApiKey, personCreator } from "@/lib/auth/api-keys";
import { API_SCOPES, type ApiScope } from "@/lib/auth/scopes";
import { PERMISSIONS, type Permission } from "@/lib/auth/permissions";
import { VigilError } from "@/lib/errors";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import type { Authority } from "@/lib/console/rules";
import { isUuid } from "@/lib/uuid";

/**
 * API keys from the console: created with scopes (the key is shown once), revoked, listed
 * with their last use. A key's scopes can't exceed what its creator may do in the console.
 */

export const SCOPE_LABELS: Record<ApiScope, string> = {
  "events:write": "Send events (POST /api/v1/events)",
  "events:read": "Read and search events, verify the chain, read the blocklist",
  "reports:read": "Read security reports",
  admin: "Every scope, including future ones",
};

/** The console permission a scope requires of the person creating the key. */
function scopeAllowed(scope: ApiScope, permissions: readonly Permission[]): boolean {
  switch (scope) {
    case "events:write": return permissions.includes("apikeys:manage");
    case "events:read": return permissions.includes("events:read");
    case "reports:read": return permissions.includes("reports:download");
    case "admin": return PERMISSIONS.every((p) => permissions.includes(p));
  }
}

export function grantableScopes(permissions: readonly Permission[]): ApiScope[] {
  return API_SCOPES.filter((s) => scopeAllowed(s, permissions));
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  /** Who made it; null for keys made before creators were recorded. */
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listApiKeys(orgId: string): Promise<ApiKeyRow[]> {
  const { rows } = await pool().query<{ id: string; name: string; prefix: string; scopes: string[] | null; created_at: Date; created_by: string | null; last_used_at: Date | null; revoked_at: Date | null }>(
    "select id, name, prefix, scopes, created_at, created_by, last_used_at, revoked_at from api_keys where org_id = $1 order by revoked_at is not null, created_at desc",
    [orgId],
  );
  return rows.map((r) => ({
    id: r.id, name: r.name, prefix: r.prefix, scopes: r.scopes ?? [], createdAt: r.created_at.toISOString(), createdBy: r.created_by,
    lastUsedAt: r.last_used_at?.toISOString() ?? null, revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}

export async function createConsoleApiKey(orgId: string, actor: Authority & { audit: PersonActor }, input: { name: string; scopes: string[] }): Promise<{ id: string; key: string }> {
  const scopes = API_SCOPES.filter((s) => input.scopes.includes(s));
  if (scopes.length === 0 || scopes.length !== new Set(input.scopes).size) {
    throw new VigilError("invalid_request", "Choose at least one known scope.", { scopes: "choose at least one scope" });
  }
  const refused = scopes.filter((s) => !scopeAllowed(s, actor.permissions));
  if (refused.length) throw new VigilError("forbidden", `Your role can't create keys with: ${refused.join(", ")}.`, { scopes: `not allowed: ${refused.join(", ")}` });
  const key = generateApiKey();
  const id = uuidv7();
  const name = input.name.trim();
  const creator = personCreator(actor.audit);
  return withAudit(orgId, actor.audit, async (client) => {
    await client.query(
      "insert into api_keys (id, org_id, name, prefix, key_hash, scopes, created_by, created_by_user_id) values ($1, $2, $3, $4, $5, $6, $7, $8)",
      [id, orgId, name, key.slice(0, 12), hashApiKey(key), scopes, creator.label, creator.userId],
    );
    return {
      result: { id, key },
      events: [{
        action: "SETTINGS_CHANGED",
        category: "settings",
        targets: [{ type: "api_key", id, name }],
        changes: [{ field: "scopes", before: null, after: scopes }],
        metadata: { section: "api_keys", action: "created", details: `${name} (${key.slice(0, 12)}…)`, prefix: key.slice(0, 12) },
      }],
    };
  });
}

export async function revokeConsoleApiKey(orgId: string, actor: Authority & { audit: PersonActor }, input: { id: string }): Promise<void> {
  if (!isUuid(input.id)) throw new VigilError("not_found", "That key doesn't exist.");
  await withAudit(orgId, actor.audit, async (client) => {
    const { rows } = await client.query<{ id: string; name: string; prefix: string }>(
      "update api_keys set revoked_at = now() where org_id = $1 and id = $2 and revoked_at is null returning id, name, prefix",
      [orgId, input.id],
    );
    const revoked = rows[0];
    if (!revoked) throw new VigilError("not_found", "That key doesn't exist or is already revoked.");
    return {
      result: undefined,
      events: [{
        action: "SETTINGS_CHANGED",
        category: "settings",
        severity: "warning",
        targets: [{ type: "api_key", id: revoked.id, name: revoked.name }],
        changes: [{ field: "revoked", before: false, after: true }],
        metadata: { section: "api_keys", action: "revoked", details: `${revoked.name} (${revoked.prefix}…)`, prefix: revoked.prefix },
      }],
    };
  });
}
