import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db/pool";
import { toDraft } from "@/lib/events/record";
import { verifyOrgChain } from "@/lib/integrity/verify";
import { verifyPassword } from "@/lib/auth/passwords";
import { demoExists, seedDemo, type SeededDemo } from "@/lib/seed/demo";
import { generateDrafts, seedEvents } from "@/lib/seed/generate";
import { newOrg } from "@/tests/helpers/fixtures";

const DAY = 86_400_000;

describe("generateDrafts", () => {
  const to = new Date("2025-06-30T12:00:00Z");
  const from = new Date(to.getTime() - 90 * DAY);

  it("is deterministic, oldest first, inside the range, and every body passes toDraft", () => {
    const a = [...generateDrafts({ count: 3000, from, to, seed: 42 })];
    const b = [...generateDrafts({ count: 3000, from, to, seed: 42 })];
    const c = [...generateDrafts({ count: 3000, from, to, seed: 43 })];
    expect(a).toHaveLength(3000);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    const now = to.getTime() + 1000;
    const actions = new Set<string>();
    const statuses = new Set<string>();
    const actors = new Set<string>();
    for (const [i, e] of a.entries()) {
      if (i > 0) expect(e.occurred_at >= a[i - 1]!.occurred_at).toBe(true);
      expect(e.occurred_at >= from.toISOString() && e.occurred_at <= to.toISOString()).toBe(true);
      const r = toDraft(e, "api", now);
      expect(r.ok ? null : r.errors).toBeNull();
      if (!r.ok) continue;
      actions.add(r.draft.action);
      statuses.add(r.draft.status);
      if (r.draft.actor?.email) actors.add(r.draft.actor.email);
      expect(r.draft.context.ip).not.toBe("192.0.2.100");
    }
    for (const action of ["LOGIN_SUCCESS", "LOGIN_FAILED", "LOGOUT", "CONTACT_UPDATED", "TICKET_CREATED", "DEAL_VIEWED", "API_CALL", "WEBHOOK_DELIVERED", "SETTINGS_CHANGED", "DATA_EXPORTED", "REPORT_DOWNLOADED"]) {
      expect(actions).toContain(action);
    }
    expect([...statuses].sort()).toEqual(["failed", "pending", "success"]);
    expect(actors.size).toBeGreaterThan(80);
    const updated = a.find((e) => e.action === "CONTACT_UPDATED")!;
    expect(updated.changes!.length).toBeGreaterThan(0);
    expect(updated.changes![0]).toHaveProperty("before");
    expect(a.some((e) => e.context?.ip?.startsWith("2001:db8:"))).toBe(true);
  });

  it("replaces excluded events so the count stays exact", () => {
    const events = [...generateDrafts({ count: 2000, from, to, seed: 7, exclude: (e) => e.action === "LOGIN_FAILED" || e.action === "API_CALL" })];
    expect(events).toHaveLength(2000);
    expect(events.some((e) => e.action === "LOGIN_FAILED" || e.action === "API_CALL")).toBe(false);
  });
});

describe("seedEvents", () => {
  it("appends 20,000 events with a valid chain", async () => {
    const { org } = await newOrg();
    const progress: number[] = [];
    const to = new Date();
    const res = await seedEvents(org.id, { count: 20_000, from: new Date(to.getTime() - 400 * DAY), to, seed: 3, batchSize: 3000, onProgress: (n) => progress.push(n) });
    expect(res.inserted).toBe(20_000);
    expect(progress.at(-1)).toBe(20_000);
    console.log(`seedEvents: 20,000 events in ${res.ms} ms`);
    const { rows } = await pool().query(
      "select count(*)::int as n, min(seq)::int as lo, max(seq)::int as hi, count(distinct date_trunc('month', occurred_at))::int as months from audit_events where org_id = $1",
      [org.id],
    );
    expect(rows[0]).toMatchObject({ n: 20_000, lo: 1, hi: 20_000 });
    expect(rows[0].months).toBeGreaterThanOrEqual(13);
    // seq follows time.
    const order = await pool().query(
      `select count(*)::int as n from (select occurred_at < lag(occurred_at) over (order by seq) as back from audit_events where org_id = $1) t where back`,
      [org.id],
    );
    expect(order.rows[0].n).toBe(0);
    const v = await verifyOrgChain(org.id);
    expect(v).toMatchObject({ ok: true, checked: 20_000, first_bad_seq: null, head_seq: 20_000 });
  }, 120_000);
});

describe("seedDemo", () => {
  const slug = `demo-${crypto.randomBytes(4).toString("hex")}`;
  let demo: SeededDemo;
  const orgId = () => demo.org.id;

  let existedBefore = new Set<string>();

  beforeAll(async () => {
    expect(await demoExists(slug)).toBe(false);
    const before = await pool().query<{ email: string }>("select email from users where email like '%@company.com'");
    existedBefore = new Set(before.rows.map((r) => r.email));
    const started = performance.now();
    // A lighter background than the product's 40,000: the figures don't depend on its size.
    demo = await seedDemo({ slug, password: "demo-password-1", events: 20_000 });
    console.log(`seedDemo: ${demo.events} events in ${Math.round(performance.now() - started)} ms`);
  }, 120_000);

  it("creates the organization, its people with fitting roles, and an API key", async () => {
    expect(await demoExists(slug)).toBe(true);
    await expect(seedDemo({ slug })).rejects.toThrow(/already exists/);
    expect(demo.password).toBe("demo-password-1");
    expect(demo.apiKey).toMatch(/^vgl_/);
    const { rows } = await pool().query<{ email: string; role: string; password_hash: string }>(
      `select u.email, r.key as role, u.password_hash from memberships m join users u on u.id = m.user_id join roles r on r.id = m.role_id
       where m.org_id = $1 order by u.email`,
      [orgId()],
    );
    expect(Object.fromEntries(rows.map((r) => [r.email, r.role]))).toEqual({
      "owner@company.com": "owner",
      "admin@company.com": "admin",
      "carla@company.com": "admin",
      "manager@company.com": "manager",
      "john.silva@company.com": "manager",
      "director@company.com": "director",
      "auditor@company.com": "auditor",
      "agent@company.com": "agent",
      "maria@company.com": "agent",
      "john@company.com": "agent",
      "newagent@company.com": "agent",
    });
    expect(demo.users).toHaveLength(11);
    const org = await pool().query("select name, timezone from organizations where id = $1", [orgId()]);
    expect(org.rows[0]).toEqual({ name: "Company (demo)", timezone: "America/Sao_Paulo" });
    // Accounts this seed made sign in with its password; existing accounts keep theirs.
    for (const r of rows) {
      expect(r.password_hash).toMatch(/^\$argon2id\$/);
      if (!existedBefore.has(r.email)) expect(await verifyPassword(r.password_hash, "demo-password-1"), r.email).toBe(true);
    }
  });

  it("holds each story event", async () => {
    const one = async (action: string, email: string, extra = "", params: unknown[] = []) => {
      const { rows } = await pool().query(
        `select action, category, status, actor_email, host(ip) as ip, user_agent, reason, targets, changes, metadata, occurred_at
         from audit_events where org_id = $1 and action = $2 and actor_email = $3 and idempotency_key like 'demo-story-%' ${extra}`,
        [orgId(), action, email, ...params],
      );
      expect(rows, `${action} by ${email}`).toHaveLength(1);
      const row = rows[0];
      expect(row.occurred_at.getTime()).toBeLessThan(Date.now() - 3_600_000);
      expect(row.occurred_at.getTime()).toBeGreaterThan(Date.now() - 7 * DAY);
      return row;
    };
    const login = await one("LOGIN_SUCCESS", "maria@company.com");
    expect(login).toMatchObject({ ip: "198.51.100.20", status: "success", category: "authentication" });
    expect(login.user_agent).toMatch(/Windows NT 10\.0.*Chrome\/120\./);

    const failed = await one("LOGIN_FAILED", "hacker@evil.com");
    expect(failed).toMatchObject({ ip: "192.0.2.100", status: "failed", reason: "Invalid password", metadata: { attempts: 5 } });

    await one("LOGOUT", "john@company.com");

    const created = await one("CONTACT_CREATED", "agent@company.com");
    expect(created.targets).toEqual([{ type: "contact", id: "12345", name: "John Silva" }]);
    expect(created.metadata.source).toBe("Manual import");

    const updated = await one("CONTACT_UPDATED", "agent@company.com");
    expect(updated.targets).toEqual([{ type: "contact", id: "12345", name: "John Silva" }]);
    expect(updated.changes.map((c: { field: string }) => c.field)).toEqual(["phone", "email", "plan"]);
    expect(updated.changes[2]).toEqual({ field: "plan", before: "Free", after: "Premium" });
    expect(updated.occurred_at.getTime()).toBeGreaterThan(created.occurred_at.getTime());

    const deleted = await one("CONTACT_DELETED", "admin@company.com");
    expect(deleted).toMatchObject({ reason: "GDPR deletion request", metadata: { permanent: true }, targets: [{ type: "contact", id: "12340", name: "Maria Santos" }] });

    const settings = await one("SETTINGS_CHANGED", "admin@company.com");
    expect(settings.metadata).toMatchObject({ section: "SLA Policies", action: 'Created new policy "VIP"', details: "FRT=5min, RT=2hours" });

    const perms = await one("PERMISSIONS_CHANGED", "admin@company.com");
    expect(perms.metadata).toMatchObject({ user: "newagent@company.com", new_role: "administrator", previous_role: "agent" });
    expect(perms.targets[0]).toMatchObject({ type: "user", name: "newagent@company.com" });
    expect(perms.changes).toEqual([{ field: "role", before: "agent", after: "admin" }]);

    const integration = await one("INTEGRATION_ENABLED", "admin@company.com");
    expect(integration.targets[0]).toMatchObject({ type: "integration", name: "OpenAI" });
    expect(integration.metadata.configured).toEqual(["API Key", "Model GPT-4"]);

    const contacts = await one("EXPORTED_CONTACTS", "john.silva@company.com");
    expect(contacts).toMatchObject({ category: "export", ip: "203.0.113.45", metadata: { records: 1500, format: "CSV", description: "1,500 contacts exported to CSV" } });

    const exported = await one("DATA_EXPORTED", "manager@company.com");
    expect(exported).toMatchObject({ category: "export", ip: "203.0.113.50", reason: "Monthly report" });
    expect(exported.metadata).toMatchObject({ type: "Contacts CSV", records: 5000, fields: ["name", "email", "phone", "plan"] });

    const report = await one("REPORT_DOWNLOADED", "director@company.com");
    expect(report.metadata).toMatchObject({ report: "Conversations (Jan 2025)", format: "PDF", size: "2.5 MB", size_bytes: 2621440 });
  });

  it("has the exact figures of the last 30 days, and a background of 13 months", async () => {
    const q = async (sql: string) => (await pool().query(sql.replaceAll("$W", "org_id = $1 and occurred_at >= now() - interval '30 days'"), [orgId()])).rows[0];
    expect(await q("select count(*)::int as n from audit_events where $W and action = 'LOGIN_FAILED'")).toEqual({ n: 45 });
    expect(await q("select count(*)::int as n from audit_events where $W and category = 'authentication' and status = 'failed'")).toEqual({ n: 45 });
    expect(await q("select count(*)::int as n from audit_events where $W and action = 'LOGIN_FAILED' and ip = '192.0.2.100'")).toEqual({ n: 30 });
    expect(await q(`select count(*)::int as n, sum((metadata->>'records')::int)::int as records, avg((metadata->>'records')::int)::float as avg,
                      array_agg(distinct actor_email order by actor_email) as actors
                    from audit_events where $W and category = 'export' and action <> 'REPORT_DOWNLOADED'`))
      .toEqual({ n: 12, records: 30_000, avg: 2500, actors: ["john.silva@company.com", "manager@company.com"] });
    expect(await q(`select count(*)::int as n, array_agg(distinct actor_email order by actor_email) as actors
                    from audit_events where $W and category = 'settings'`))
      .toEqual({ n: 8, actors: ["admin@company.com", "carla@company.com"] });
    // Still true a day later: nothing constrained within an hour of now or near the window's edge.
    expect(await q(`select count(*)::int as n from audit_events where org_id = $1 and occurred_at >= now() - interval '32 days'
                    and (category in ('settings') or (category = 'export' and action <> 'REPORT_DOWNLOADED') or (category = 'authentication' and status = 'failed'))
                    and (occurred_at > now() - interval '1 hour' or occurred_at < now() - interval '29 days')`)).toEqual({ n: 0 });

    const all = await q("select count(*)::int as n, min(occurred_at) as first, count(distinct actor_email)::int as actors from audit_events where org_id = $1");
    expect(all.n).toBe(demo.events);
    expect(all.n).toBeGreaterThan(20_000);
    expect(all.first.getTime()).toBeLessThan(Date.now() - 360 * DAY);
    const older = await q("select count(*)::int as n from audit_events where org_id = $1 and occurred_at < now() - interval '32 days' and category = 'settings'");
    expect(older.n).toBeGreaterThan(0);
  });

  it("keeps the chain valid, in time order, signed by a checkpoint", async () => {
    const v = await verifyOrgChain(orgId());
    expect(v).toMatchObject({ ok: true, checked: demo.events, first_bad_seq: null, head_seq: demo.events, missing: 0 });
    expect(v.checkpoint?.seq).toBe(demo.events);
    const order = await pool().query(
      `select count(*)::int as n from (select occurred_at < lag(occurred_at) over (order by seq) as back from audit_events where org_id = $1) t where back`,
      [orgId()],
    );
    expect(order.rows[0].n).toBe(0);
  });
});
