import crypto from "node:crypto";
import { expect } from "vitest";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { ensureBuiltInRoles } from "@/lib/orgs/create-org";
import { newOrg } from "@/tests/helpers/fixtures";

/**
 * A known trail for the report tests: members with built-in roles and events whose every
 * report figure is counted by hand in the tests.
 */

export const DAY = 24 * 3600_000;

/** Members of a test org, each with a built-in role, at a domain no other test uses. */
export async function addMembers(orgId: string, people: Record<string, string>): Promise<{ domain: string; ids: Record<string, string> }> {
  const roles = await ensureBuiltInRoles();
  const domain = `t${crypto.randomBytes(4).toString("hex")}.example`;
  const ids: Record<string, string> = {};
  for (const [local, role] of Object.entries(people)) {
    const id = uuidv7();
    ids[local] = id;
    await pool().query("insert into users (id, email, name) values ($1, $2, $3)", [id, `${local}@${domain}`, local.replace(/\d/, " $&").replace(/^./, (c) => c.toUpperCase())]);
    await pool().query("insert into memberships (id, org_id, user_id, role_id) values ($1, $2, $3, $4)", [uuidv7(), orgId, id, roles.get(role)]);
  }
  return { domain, ids };
}

export function at(daysAgo: number, now: number): string {
  return new Date(now - daysAgo * DAY - 30 * 60_000).toISOString();
}

/** The known trail of the report's assertions: every figure below is counted by hand from it. */
export function knownEvents(domain: string, now: number) {
  const user = (local: string) => ({ type: "user" as const, email: `${local}@${domain}` });
  const failed = (daysAgo: number, account: string, ip?: string) => ({
    action: "LOGIN_FAILED", status: "failed", occurred_at: at(daysAgo, now), actor: user(account),
    ...(ip ? { context: { ip } } : {}), reason: "Invalid password",
  });
  const exported = (daysAgo: number, who: string, records: unknown, extra: Record<string, unknown> = {}) => ({
    action: "DATA_EXPORTED", occurred_at: at(daysAgo, now), actor: user(who),
    metadata: records === undefined ? { type: "Contacts CSV" } : { type: "Contacts CSV", records }, ...extra,
  });
  return [
    ...Array.from({ length: 5 }, () => failed(2, "admin", "192.0.2.100")),
    ...Array.from({ length: 2 }, () => failed(3, "root", "192.0.2.100")),
    ...Array.from({ length: 3 }, () => failed(5, "manager1", "198.51.100.7")),
    failed(1, "agent1"),
    failed(40, "admin", "192.0.2.100"),
    failed(40, "admin", "192.0.2.100"),
    exported(4, "manager1", 1000),
    exported(6, "manager1", 3000),
    exported(7, "manager2", 2000, { status: "pending" }),
    { action: "EXPORTED_CONTACTS", occurred_at: at(7, now), actor: user("manager2"), metadata: { records: "700" } },
    exported(8, "agent1", 500),
    exported(9, "admin1", undefined),
    exported(40, "manager1", 9999),
    { action: "REPORT_DOWNLOADED", occurred_at: at(2, now), actor: user("director1"), metadata: { report: "Security", format: "PDF", records: 123456 } },
    { action: "SETTINGS_CHANGED", occurred_at: at(3, now), actor: user("admin1"), targets: [{ type: "settings", id: "security", name: "Security" }], metadata: { section: "Security", action: "MFA required" } },
    { action: "SETTINGS_CHANGED", occurred_at: at(10, now), actor: user("admin1"), metadata: { section: "Retention", action: "Hot retention 120 days" } },
    { action: "PERMISSIONS_CHANGED", occurred_at: at(12, now), actor: user("admin2"), changes: [{ field: "role", before: "agent", after: "manager" }], metadata: { user: `agent1@${domain}`, new_role: "manager", previous_role: "agent" } },
    ...Array.from({ length: 4 }, (_, i) => ({ action: "LOGIN_SUCCESS", occurred_at: at(i + 1, now), actor: user("manager1"), context: { ip: "203.0.113.20" } })),
    ...Array.from({ length: 3 }, (_, i) => ({ action: "CONTACT_UPDATED", occurred_at: at(i + 2, now), actor: user("agent1"), targets: [{ type: "contact", id: String(i) }] })),
  ];
}

export const MEMBERS = { admin1: "admin", admin2: "admin", manager1: "manager", manager2: "manager", agent1: "agent", director1: "director", auditor1: "auditor" };

export async function knownOrg() {
  const created = await newOrg();
  const { domain, ids } = await addMembers(created.org.id, MEMBERS);
  const now = Date.now();
  const events = knownEvents(domain, now);
  const results = await ingestEvents(created.org.id, events);
  expect(results.every((r) => r.status === "created")).toBe(true);
  return { ...created, domain, ids, now, events };
}

/** Noise in another org: the same attacker, big exports, settings changes; never in org A's report. */
export async function otherOrgNoise(now: number) {
  const other = await newOrg();
  await ingestEvents(other.org.id, [
    ...Array.from({ length: 5 }, () => ({ action: "LOGIN_FAILED", occurred_at: at(2, now), actor: { email: "admin@other.example" }, context: { ip: "192.0.2.100" } })),
    { action: "DATA_EXPORTED", occurred_at: at(3, now), actor: { email: "x@other.example" }, metadata: { records: 100000 } },
    { action: "SETTINGS_CHANGED", occurred_at: at(3, now), actor: { email: "y@other.example" } },
  ]);
  return other;
}

