import { describe, expect, it } from "vitest";
import { POST, GET } from "@/app/api/v1/events/route";
import { GET as getOne } from "@/app/api/v1/events/[id]/route";
import { GET as verify } from "@/app/api/v1/chain/verify/route";
import { pool } from "@/lib/db/pool";
import { call, newOrg } from "@/tests/helpers/fixtures";

const login = (extra: Record<string, unknown> = {}) => ({
  action: "LOGIN_FAILED",
  actor: { type: "user", email: "hacker@evil.com" },
  context: { ip: "192.0.2.100", user_agent: "Mozilla/5.0" },
  reason: "Invalid password",
  metadata: { attempts: 5 },
  ...extra,
});

describe("POST /api/v1/events", () => {
  it("stores one event, infers its category and chains it", async () => {
    const { apiKey } = await newOrg();
    const res = await call(POST, { key: apiKey.key, body: login() });
    expect(res.status).toBe(201);
    expect(res.json.data).toEqual([{ index: 0, id: expect.any(String), status: "created" }]);
    const one = await call(getOne, { key: apiKey.key, params: { id: res.json.data[0].id } });
    expect(one.status).toBe(200);
    expect(one.json.data).toMatchObject({
      action: "LOGIN_FAILED", category: "authentication", status: "success", seq: 1,
      actor: { type: "user", id: null, email: "hacker@evil.com", name: null },
      context: { ip: "192.0.2.100", user_agent: "Mozilla/5.0", location: null, request_id: null },
      prev_hash: "0".repeat(64), source: "api", chain: { seq: 1, verified: true },
    });
  });

  it("answers a batch per item: a bad item is rejected alone with every error and its path", async () => {
    const { apiKey } = await newOrg();
    const res = await call(POST, {
      key: apiKey.key,
      body: { events: [login(), { action: "lower case", context: { ip: "999.1.1.1" }, extra: 1 }, login({ idempotency_key: "k1" }), login({ idempotency_key: "k1" })] },
    });
    expect(res.status).toBe(201);
    expect(res.json.summary).toEqual({ created: 2, duplicate: 1, rejected: 1 });
    const rejected = res.json.data[1];
    expect(rejected.status).toBe("rejected");
    const paths = rejected.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["action", "context.ip"]));
    expect(rejected.errors.some((e: { message: string }) => /unknown field/.test(e.message))).toBe(true);
    expect(res.json.data[3]).toEqual({ index: 3, id: res.json.data[2].id, status: "duplicate" });
  });

  it("treats a retry with the same idempotency key as a duplicate, never a second row", async () => {
    const { apiKey, org } = await newOrg();
    const first = await call(POST, { key: apiKey.key, body: login({ idempotency_key: "retry-1" }) });
    const second = await call(POST, { key: apiKey.key, body: login({ idempotency_key: "retry-1" }) });
    expect(second.status).toBe(200);
    expect(second.json.data[0]).toEqual({ index: 0, id: first.json.data[0].id, status: "duplicate" });
    const { rows } = await pool().query("select count(*)::int as n from audit_events where org_id = $1", [org.id]);
    expect(rows[0].n).toBe(1);
    // Keys are unique per org, not globally.
    const other = await newOrg();
    const elsewhere = await call(POST, { key: other.apiKey.key, body: login({ idempotency_key: "retry-1" }) });
    expect(elsewhere.json.data[0].status).toBe("created");
  });

  it("accepts back-dated events into a partition made on demand, and refuses the far future", async () => {
    const { apiKey } = await newOrg();
    const old = await call(POST, { key: apiKey.key, body: login({ occurred_at: "2019-03-04T05:06:07.891Z" }) });
    expect(old.status).toBe(201);
    const part = await pool().query("select to_regclass('audit_events_2019_03') as t");
    expect(part.rows[0].t).toBe("audit_events_2019_03");
    const future = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await call(POST, { key: apiKey.key, body: login({ occurred_at: future }) });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: "occurred_at", message: "must not be more than 5 minutes in the future" }]);
  });

  it("requires a category for actions outside the catalog", async () => {
    const { apiKey } = await newOrg();
    const res = await call(POST, { key: apiKey.key, body: { action: "WIDGET_SPUN" } });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe("category");
    const ok = await call(POST, { key: apiKey.key, body: { action: "EXPORTED_CONTACTS" } });
    expect(ok.status).toBe(201);
    const withCategory = await call(POST, { key: apiKey.key, body: { action: "WIDGET_SPUN", category: "data" } });
    expect(withCategory.status).toBe(201);
  });

  it("maps each client mistake to its status: 400, 401, 403, 413, 415", async () => {
    const { apiKey } = await newOrg();
    expect((await call(POST, { body: login() })).status).toBe(401);
    expect((await call(POST, { key: "vgl_" + "x".repeat(43), body: login() })).status).toBe(401);
    const readOnly = await newOrg(["events:read"]);
    const forbidden = await call(POST, { key: readOnly.apiKey.key, body: login() });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.message).toMatch(/events:write/);
    const badJson = await call(POST, { key: apiKey.key, rawBody: "{nope" });
    expect(badJson.status).toBe(400);
    expect(badJson.json.error.message).toMatch(/not valid JSON/);
    const huge = await call(POST, { key: apiKey.key, rawBody: JSON.stringify({ events: [login({ metadata: { blob: "x".repeat(6 * 1024 * 1024) } })] }) });
    expect(huge.status).toBe(413);
    const tooMany = await call(POST, { key: apiKey.key, body: { events: Array.from({ length: 1001 }, () => login()) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.details[0]).toEqual({ path: "events", message: "at most 1000 events per request" });
    const text = await call(POST, { key: apiKey.key, rawBody: "hello", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    const empty = await call(POST, { key: apiKey.key, body: { events: [] } });
    expect(empty.status).toBe(400);
  });

  it("refuses values that would not survive storage: NUL, lone surrogates, deep nesting", async () => {
    const { apiKey } = await newOrg();
    let deep: unknown = "x";
    for (let i = 0; i < 20; i++) deep = { d: deep };
    for (const metadata of [{ a: "nul\u0000" }, { a: "\ud800" }, deep]) {
      const res = await call(POST, { key: apiKey.key, body: login({ metadata }) });
      expect(res.status).toBe(400);
      // The path names the value itself: metadata.a, or metadata.d.d… for the nesting.
      expect(res.json.error.details[0].path).toMatch(/^metadata(\.a|(\.d)+)$/);
    }
    const proto = await call(POST, { key: apiKey.key, rawBody: JSON.stringify(login()).replace('"attempts":5', '"__proto__":{"admin":true},"constructor":1') });
    expect(proto.status).toBe(201);
    const stored = await call(getOne, { key: apiKey.key, params: { id: proto.json.data[0].id } });
    expect(Object.keys(stored.json.data.metadata).sort()).toEqual(["__proto__", "constructor"]);
    expect(stored.json.data.chain.verified).toBe(true);
  });

  it("keeps the chain whole under concurrent batches from parallel clients", async () => {
    const { apiKey, org } = await newOrg();
    const clients = Array.from({ length: 12 }, (_, c) =>
      call(POST, { key: apiKey.key, body: { events: Array.from({ length: 50 }, (_, i) => login({ idempotency_key: `c${c}-${i}` })) } }),
    );
    const singles = Array.from({ length: 40 }, (_, i) => call(POST, { key: apiKey.key, body: login({ idempotency_key: `s${i}` }) }));
    const answers = await Promise.all([...clients, ...singles]);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const { rows } = await pool().query(
      "select count(*)::int as n, count(distinct seq)::int as d, min(seq)::int as lo, max(seq)::int as hi from audit_events where org_id = $1",
      [org.id],
    );
    expect(rows[0]).toEqual({ n: 640, d: 640, lo: 1, hi: 640 });
    const v = await call(verify, { key: apiKey.key });
    expect(v.json).toMatchObject({ ok: true, checked: 640, first_bad_seq: null });
  });

  it("hashes correctly when an event holds the seq stand-in used to prepare its hash", async () => {
    const { apiKey } = await newOrg();
    const tricky = { seq: 1.2345678901234567e-300, note: '"seq":1.2345678901234567e-300', nested: { seq: 1.2345678901234567e-300 } };
    const res = await call(POST, { key: apiKey.key, body: { events: [login({ metadata: tricky }), login({ targets: [{ type: "x", id: '"seq":1.2345678901234567e-300' }] })] } });
    expect(res.json.summary.created).toBe(2);
    const v = await call(verify, { key: apiKey.key });
    expect(v.json).toMatchObject({ ok: true, checked: 2 });
  });

  it("normalizes IPv6 so stored events still verify", async () => {
    const { apiKey } = await newOrg();
    for (const ip of ["2001:DB8:0:0:0:0:0:1", "::ffff:203.0.113.9", "fe80::1:0:0:0"]) {
      const res = await call(POST, { key: apiKey.key, body: login({ context: { ip } }) });
      expect(res.status).toBe(201);
      const one = await call(getOne, { key: apiKey.key, params: { id: res.json.data[0].id } });
      expect(one.json.data.chain.verified).toBe(true);
    }
    const v = await call(verify, { key: apiKey.key });
    expect(v.json.ok).toBe(true);
  });
});

describe("GET /api/v1/events/{id}", () => {
  it("answers 404 for another org's event, exactly like a missing one", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const res = await call(POST, { key: a.apiKey.key, body: login() });
    const id = res.json.data[0].id;
    const foreign = await call(getOne, { key: b.apiKey.key, params: { id } });
    const missing = await call(getOne, { key: b.apiKey.key, params: { id: "01900000-0000-7000-8000-000000000000" } });
    const garbage = await call(getOne, { key: b.apiKey.key, params: { id: "not-a-uuid" } });
    expect(foreign.status).toBe(404);
    expect(foreign.json).toEqual(missing.json);
    expect(garbage.status).toBe(404);
    const list = await call(GET, { key: b.apiKey.key, path: "/api/v1/events" });
    expect(list.json.data).toEqual([]);
  });
});
