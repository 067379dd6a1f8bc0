import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { pool, withTransaction } from "@/lib/db/pool";
import { BUILT_IN_ROLES } from "@/lib/auth/permissions";
import { createApiKey, type CreatedApiKey } from "@/lib/auth/api-keys";
import { hashPassword } from "@/lib/auth/passwords";
import type { ApiScope } from "@/lib/auth/scopes";
import { GENESIS_HASH } from "@/lib/integrity/chain";

/** Built-in roles exist once (org_id null); made idempotently at every start. */
export async function ensureBuiltInRoles(): Promise<Map<string, string>> {
  for (const [key, role] of Object.entries(BUILT_IN_ROLES)) {
    await pool().query(
      `insert into roles (id, org_id, key, name, permissions, built_in) values ($1, null, $2, $3, $4, true)
       on conflict (org_id, key) do update set name = excluded.name, permissions = excluded.permissions`,
      [crypto.randomUUID(), key, role.name, role.permissions],
    );
  }
  const { rows } = await pool().query<{ id: string; key: string }>("select id, key from roles where org_id is null");
  return new Map(rows.map((r) => [r.key, r.id]));
}

export function slugify(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) || "org";
}

export interface CreatedOrg {
  org: { id: string; slug: string; name: string };
  apiKey: CreatedApiKey;
}

export const DEFAULT_BUSINESS_HOURS = { days: [1, 2, 3, 4, 5], start: "08:00", end: "19:00" };

export async function createOrganization(opts: {
  name: string;
  slug?: string;
  timezone?: string;
  admin?: { email: string; name?: string; password: string };
  apiKey?: string;
  apiKeyScopes?: ApiScope[];
}): Promise<CreatedOrg> {
  const roles = await ensureBuiltInRoles();
  const id = uuidv7();
  const slug = opts.slug ?? slugify(opts.name);
  const passwordHash = opts.admin ? await hashPassword(opts.admin.password) : undefined;
  await withTransaction(async (client) => {
    await client.query(
      "insert into organizations (id, slug, name, timezone, business_hours) values ($1, $2, $3, $4, $5)",
      [id, slug, opts.name, opts.timezone ?? "UTC", JSON.stringify(DEFAULT_BUSINESS_HOURS)],
    );
    await client.query("insert into chain_heads (org_id, seq, hash) values ($1, 0, $2)", [id, GENESIS_HASH]);
    if (opts.admin) {
      const email = opts.admin.email.toLowerCase();
      const user = await client.query<{ id: string }>(
        `insert into users (id, email, name, password_hash) values ($1, $2, $3, $4)
         on conflict (email) do update set email = excluded.email returning id`,
        [uuidv7(), email, opts.admin.name ?? email.split("@")[0], passwordHash],
      );
      await client.query("insert into memberships (id, org_id, user_id, role_id) values ($1, $2, $3, $4)", [
        uuidv7(), id, user.rows[0]!.id, roles.get("owner"),
      ]);
    }
  });
  const apiKey = await createApiKey(id, { name: "Default key", key: opts.apiKey, scopes: opts.apiKeyScopes, createdBy: { label: "organization setup" } });
  return { org: { id, slug, name: opts.name }, apiKey };
}

export async function findOrgBySlug(slug: string): Promise<{ id: string; slug: string; name: string } | undefined> {
  const { rows } = await pool().query<{ id: string; slug: string; name: string }>("select id, slug, name from organizations where slug = $1", [slug]);
  return rows[0];
}
