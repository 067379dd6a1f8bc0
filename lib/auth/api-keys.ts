import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { API_SCOPES, type ApiScope } from "@/lib/auth/scopes";

/**
 * API keys: `vgl_` and 43 random url-safe characters. Only a SHA-256 of the key is stored
 * (a key has 256 bits of entropy, so a slow hash adds nothing); the key is shown once.
 */

export interface ApiKeyPrincipal {
  id: string;
  orgId: string;
  name: string;
  scopes: ApiScope[];
}

export function hashApiKey(key: string): string {
  return crypto.createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(): string {
  return "vgl_" + crypto.randomBytes(32).toString("base64url");
}

export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
  scopes: ApiScope[];
}

/** Who made a key: a console user, or the tool that made it (shown on the keys page). */
export interface KeyCreator {
  label: string;
  userId?: string;
}

/** "Name <email>", the label a console user's keys carry. */
export function personCreator(person: { id: string; name: string; email: string }): KeyCreator {
  return { label: `${person.name} <${person.email}>`, userId: person.id };
}

export async function createApiKey(orgId: string, opts: { name: string; createdBy: KeyCreator; scopes?: ApiScope[]; key?: string }): Promise<CreatedApiKey> {
  const key = opts.key ?? generateApiKey();
  const scopes = opts.scopes ?? [...API_SCOPES];
  const id = uuidv7();
  const prefix = key.slice(0, 12);
  await pool().query(
    "insert into api_keys (id, org_id, name, prefix, key_hash, scopes, created_by, created_by_user_id) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    [id, orgId, opts.name, prefix, hashApiKey(key), scopes, opts.createdBy.label, opts.createdBy.userId ?? null],
  );
  return { id, key, prefix, scopes };
}

const lastUsedWritten = new Map<string, number>();

/** The key's org and scopes, or undefined for an unknown or revoked key. */
export async function authenticateApiKey(key: string): Promise<ApiKeyPrincipal | undefined> {
  if (!/^vgl_[A-Za-z0-9_-]{20,100}$/.test(key)) return undefined;
  const { rows } = await pool().query<{ id: string; org_id: string; name: string; scopes: string[] | null }>(
    "select id, org_id, name, scopes from api_keys where key_hash = $1 and revoked_at is null",
    [hashApiKey(key)],
  );
  const row = rows[0];
  if (!row) return undefined;
  // last_used_at at most once a minute per key: not a write on every request.
  const now = Date.now();
  if ((lastUsedWritten.get(row.id) ?? 0) < now - 60_000) {
    lastUsedWritten.set(row.id, now);
    await pool().query("update api_keys set last_used_at = now() where id = $1", [row.id]);
  }
  return { id: row.id, orgId: row.org_id, name: row.name, scopes: (row.scopes ?? []) as ApiScope[] };
}
