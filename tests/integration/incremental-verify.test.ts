import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { pool, readPool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import { ChainVerifier, canonicalJson, contentOf } from "@/lib/integrity/chain";
import { ROW_COLUMNS, RAW_TEXT, contentTextOfRow, type RawRow } from "@/lib/integrity/row-hash";
import { chainStatus } from "@/lib/integrity/status";
import { fullVerification, runningFullVerification, verifiedHead, verifyIncrementally } from "@/lib/integrity/verified-state";
import { newOrg } from "@/tests/helpers/fixtures";

/**
 * Issue 12, item 5: verification that re-checks only what was appended since the last
 * verified tree head, and a full pass that resumes where it was cut short — both on a real
 * PostgreSQL, against tampering as its superuser would do it (trigger off).
 */

const body = (i: number) => ({ action: "CONTACT_UPDATED", category: "data", actor: { type: "user", email: `v${i % 7}@example.com` }, metadata: { i } });

async function ingest(orgId: string, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    const results = await ingestEvents(orgId, Array.from({ length: Math.min(500, n - i) }, (_, j) => body(from + i + j)));
    expect(results.filter((r) => r.status !== "created")).toEqual([]);
  }
}

/** As the database's superuser would: the append-only triggers off for one statement. */
async function tamper(sql: string, params: unknown[]): Promise<void> {
  const c = await pool().connect();
  try {
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    await c.query(sql, params);
    await c.query("commit");
  } finally {
    c.release();
  }
}

/** Counts the events a verification re-hashes. */
async function hashed<T>(work: () => Promise<T>): Promise<{ result: T; count: number }> {
  const spy = vi.spyOn(ChainVerifier.prototype, "addHashed");
  try {
    const result = await work();
    return { result, count: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

describe("the fast path hashes exactly what the reference code hashes", () => {
  it("gives the same canonical text as contentOf(rowToEvent(row)) for 300 generated events, read back from the database", async () => {
    const { org } = await newOrg();
    const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("\u0001\u001f\"\\\u2028\u2029é\u{1F600}", "__proto__", "")).filter((t) => !t.includes("\u0000"));
    const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes("\\u0000"));
    const event = fc.record(
      {
        action: fc.constantFrom("CONTACT_UPDATED", "LOGIN_FAILED", "CUSTOM_ACTION_1"),
        category: fc.constant("data"),
        actor: fc.record({ type: fc.constantFrom("user", "api", "system"), id: text, email: fc.emailAddress(), name: text }, { requiredKeys: [] }),
        targets: fc.array(fc.record({ type: fc.constantFrom("contact", "deal"), id: fc.string({ minLength: 1 }), name: text }, { requiredKeys: ["type", "id"] }), { maxLength: 3 }),
        context: fc.record({ user_agent: text, location: text, request_id: text, ip: fc.constantFrom("192.0.2.1", "2001:db8::1", "::ffff:1.2.3.4") }, { requiredKeys: [] }),
        reason: text,
        changes: fc.array(fc.record({ field: fc.string({ minLength: 1 }), before: json, after: json }), { maxLength: 3 }),
        metadata: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "é", "a", "B")), json, { maxKeys: 6 }),
        idempotency_key: fc.uuid(),
      },
      { requiredKeys: ["action", "category"] },
    );
    const bodies = fc.sample(event, 300).map((e) => JSON.parse(JSON.stringify(e)));
    const results = await ingestEvents(org.id, bodies);
    // Some generated bodies are rightly refused (a NUL, a number that can't be kept); most are stored.
    expect(results.filter((r) => r.status === "created").length).toBeGreaterThan(200);
    const fast = await readPool().query<RawRow>({ text: `select ${ROW_COLUMNS} from audit_events where org_id = $1 order by seq`, values: [org.id], rowMode: "array", types: RAW_TEXT });
    const reference = await readPool().query<EventRow>(`select ${EVENT_COLUMNS} from audit_events where org_id = $1 order by seq`, [org.id]);
    expect(fast.rows.length).toBe(reference.rows.length);
    const differ = fast.rows
      .map((r, i) => ({ fast: contentTextOfRow(r), reference: canonicalJson(contentOf(rowToEvent(reference.rows[i]!))) }))
      .filter((d) => d.fast !== d.reference);
    expect(differ.slice(0, 3)).toEqual([]);
  });
});

describe("incremental verification", () => {
  it("re-hashes only what was appended since the verified head: 1,000 new events, 1,000 hashed", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 3000);
    const first = await hashed(() => verifyIncrementally(org.id));
    expect(first.result).toMatchObject({ ok: true, head_seq: 3000, verified_seq: 3000 });
    expect(first.count).toBe(3000);
    await ingest(org.id, 1000, 3000);
    const next = await hashed(() => verifyIncrementally(org.id));
    expect(next.result).toMatchObject({ ok: true, from_seq: 3001, checked: 1000, head_seq: 4000, verified_seq: 4000 });
    expect(next.count).toBe(1000);
    // The blocks of 256 those events completed were compared with the stored tree.
    expect(next.result.nodes_checked).toBeGreaterThanOrEqual(3);
    expect(await verifiedHead(org.id)).toMatchObject({ seq: 4000, problems: [] });
    // Nothing new: nothing hashed, and the answer comes from the verified head.
    const idle = await hashed(() => chainStatus(org.id));
    expect(idle.count).toBe(0);
    expect(idle.result).toMatchObject({ ok: true, checked: 0, verified_seq: 4000, unverified: 0 });
  });

  it("finds a new event rewritten, answers the break from then on, and doesn't move the verified head past it", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 300);
    await verifyIncrementally(org.id);
    await ingest(org.id, 20, 300);
    await tamper("update audit_events set reason = 'nothing to see' where org_id = $1 and seq = 310", [org.id]);
    const v = await verifyIncrementally(org.id);
    expect(v).toMatchObject({ ok: false, first_bad_seq: 310, verified_seq: 300 });
    expect(await verifiedHead(org.id)).toMatchObject({ seq: 300, firstBadSeq: 310 });
    expect((await chainStatus(org.id)).ok).toBe(false);
  });

  it("finds the event at the verified head rewritten with its hashes recomputed", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 50);
    await verifyIncrementally(org.id);
    await ingest(org.id, 5, 50);
    // A rewrite that recomputes the row's own hashes and its successor's link: only the hash
    // the verified head recorded for seq 50 tells.
    const forged = "f".repeat(64);
    await tamper("update audit_events set hash = $2 where org_id = $1 and seq = 50", [org.id, forged]);
    await tamper("update audit_events set prev_hash = $2 where org_id = $1 and seq = 51", [org.id, forged]);
    const v = await verifyIncrementally(org.id);
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toMatch(/the event at seq 50 no longer has the hash it was verified with/);
  });

  it("finds a stored tree node under the verified part rewritten: the new tree no longer extends the verified root", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 600);
    await verifyIncrementally(org.id);
    await ingest(org.id, 10, 600);
    await tamper("update merkle_nodes set hash = $2 where org_id = $1 and level = 8 and idx = 0", [org.id, Buffer.alloc(32, 7)]);
    const v = await verifyIncrementally(org.id);
    expect(v).toMatchObject({ ok: false, verified_seq: 600 });
    expect(v.problems.join("\n")).toMatch(/the stored tree at size 610 does not extend the tree of size 600/);
    // The full pass names the node: the events under it are not what it is the root of.
    const full = await fullVerification(org.id);
    expect(full.ok).toBe(false);
    expect(full.problems.join("\n")).toMatch(/stored tree node over seq 1–256 is not the root of those events/);
  });

  it("a request verifies a short tail before answering, and answers a long one from the verified head while it is verified", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 200);
    expect(await chainStatus(org.id)).toMatchObject({ ok: true, checked: 200, verified_seq: 200, unverified: 0 });
    await ingest(org.id, 5500, 200);
    const answer = await chainStatus(org.id);
    expect(answer).toMatchObject({ ok: true, checked: 0, verified_seq: 200, head_seq: 5700, unverified: 5500 });
    // The verification started in the background catches up.
    await expect.poll(async () => (await verifiedHead(org.id))?.seq, { timeout: 20_000 }).toBe(5700);
    expect(await chainStatus(org.id)).toMatchObject({ ok: true, verified_seq: 5700, unverified: 0 });
  });
});

describe("the full pass", () => {
  it("resumes where it was cut short, from its saved cursor, and shows its progress meanwhile", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 6000);
    const stop = new AbortController();
    let batches = 0;
    const cut = fullVerification(org.id, {
      saveEvery: 2048,
      signal: stop.signal,
      onSaved: () => {
        if (++batches === 1) stop.abort(new Error("restart"));
      },
    });
    await expect(cut).rejects.toThrow("restart");
    // What GET /api/v1/chain/verify answers as full_verification_running.
    expect(await runningFullVerification(org.id)).toMatchObject({ target_seq: 6000, cursor_seq: 2048, checked: 2048 });
    // Resumed: only what came after the cursor is read again; the counts add up.
    const resumed = await hashed(() => fullVerification(org.id));
    expect(resumed.count).toBe(6000 - 2048);
    expect(resumed.result).toMatchObject({ ok: true, from_seq: 1, checked: 6000, head_seq: 6000 });
    expect(resumed.result.nodes_checked).toBeGreaterThanOrEqual(23);
    expect((await chainStatus(org.id)).full_verification_running).toBeNull();
  });

  it("keeps a break found before the cut when it resumes", async () => {
    const { org } = await newOrg();
    await ingest(org.id, 5000);
    await tamper("update audit_events set reason = 'rewritten' where org_id = $1 and seq = 100", [org.id]);
    const stop = new AbortController();
    await expect(fullVerification(org.id, { saveEvery: 2048, signal: stop.signal, onSaved: () => stop.abort(new Error("restart")) })).rejects.toThrow("restart");
    const resumed = await fullVerification(org.id);
    expect(resumed).toMatchObject({ ok: false, first_bad_seq: 100, checked: 5000 });
  });
});
