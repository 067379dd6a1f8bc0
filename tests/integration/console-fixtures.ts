import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { hashPassword } from "@/lib/auth/passwords";
import { ensureBuiltInRoles } from "@/lib/orgs/create-org";
import { newOrg } from "@/tests/helpers/fixtures";
import { resetEnvCache } from "@/lib/env";

// MFA seeds are sealed with AUTH_SECRET.
process.env.AUTH_SECRET ??= "console-test-auth-secret-0123456789";
resetEnvCache();

export const PASSWORD = "correct horse battery staple";
let passwordHash: Promise<string> | undefined;

/** A fresh org (never shared between tests) and a person with the given built-in role in it. */
export async function orgWithUser(role = "admin"): Promise<{ orgId: string; user: TestUser }> {
  const { org } = await newOrg();
  const user = await addUser(org.id, role);
  return { orgId: org.id, user };
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
}

export async function addUser(orgId: string, role: string, email = `u-${crypto.randomBytes(5).toString("hex")}@example.com`): Promise<TestUser> {
  passwordHash ??= hashPassword(PASSWORD);
  const roles = await ensureBuiltInRoles();
  const roleId = roles.get(role) ?? role;
  const { rows } = await pool().query<{ id: string }>(
    `insert into users (id, email, name, password_hash) values ($1, $2, $3, $4)
     on conflict (email) do update set email = excluded.email returning id`,
    [uuidv7(), email, email.split("@")[0], await passwordHash],
  );
  const id = rows[0]!.id;
  await pool().query("insert into memberships (id, org_id, user_id, role_id) values ($1, $2, $3, $4)", [uuidv7(), orgId, id, roleId]);
  return { id, email, name: email.split("@")[0]! };
}

export async function eventsOf(orgId: string, action?: string): Promise<any[]> {
  const { rows } = await pool().query(
    `select action, status, reason, actor_email, host(ip) as ip, metadata, changes, targets, category, source
     from audit_events where org_id = $1 ${action ? "and action = $2" : ""} order by seq`,
    action ? [orgId, action] : [orgId],
  );
  return rows;
}

/** A distinct documentation-range address per call, so per-IP rate limits don't collide. */
let ipCounter = Math.floor(Math.random() * 200);
export function nextIp(): string {
  ipCounter += 1;
  return `198.18.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}
