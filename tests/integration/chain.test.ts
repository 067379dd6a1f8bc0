import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import type pg from "pg";
import { POST } from "@/app/api/v1/events/route";
import { GET as getOne } from "@/app/api/v1/events/[id]/route";
import { GET as verifyRoute } from "@/app/api/v1/chain/verify/route";
import { GET as checkpointsRoute } from "@/app/api/v1/chain/checkpoints/route";
import { GET as consistencyRoute } from "@/app/api/v1/chain/consistency/route";
import { eventLeaf, verifyConsistency, verifyInclusion } from "@/lib/integrity/merkle";
import { pool } from "@/lib/db/pool";
import { checkpointMessage, checkpointToJson, rotateSigningKey, takeCheckpoint, verifyCheckpointSignature, type CheckpointJson } from "@/lib/integrity/checkpoints";
import { rootAt } from "@/lib/integrity/tree";
import { runScheduledJob } from "@/server/jobs";
import { sweepOrg } from "@/lib/integrity/verify-job";
import { listAlerts } from "@/lib/alerts/store";
import { verifyAndCheckpoint } from "@/lib/reports/download";
import { call, newOrg } from "@/tests/helpers/fixtures";

/**
 * The integrity side: a clean chain verifies; rows rewritten behind the trigger's back are
 * found at their seq; the database itself refuses UPDATE and DELETE; rows cut from the end
 * (with the head moved back to hide it) are caught by the signed checkpoint.
 */

async function orgWithEvents(count: number) {
  const { apiKey, org } = await newOrg();
  const res = await call(POST, {
    key: apiKey.key,
    body: {
      events: Array.from({ length: count }, (_, i) => ({
        action: i % 2 ? "CONTACT_UPDATED" : "LOGIN_SUCCESS",
        actor: { type: "user", email: `user${i}@company.com` },
        context: { ip: `203.0.113.${i}` },
        reason: `reason ${i}`,
        metadata: { i },
      })),
    },
  });
  expect(res.status).toBe(201);
  return { key: apiKey.key, orgId: org.id, ids: res.json.data.map((r: { id: string }) => r.id) as string[] };
}

async function verify(key: string) {
  const res = await call(verifyRoute, { key });
  expect(res.status).toBe(200);
  return res.json;
}

/** Runs statements in one transaction on one connection; rolls back on error. */
async function inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool().connect();
  try {
    await client.query("begin");
    const out = await fn(client);
    await client.query("commit");
    return out;
  } catch (err) {
    await client.query("rollback");
    throw err;
  } finally {
    client.release();
  }
}

/**
 * What an attacker with the table owner's rights does: switch the append-only trigger off,
 * rewrite, switch it on. In one transaction, so that no other test ever sees it off.
 */
async function tamper(sql: string, params: unknown[]): Promise<number> {
  return inTransaction(async (c) => {
    await c.query("alter table audit_events disable trigger audit_events_append_only");
    const r = await c.query(sql, params);
    await c.query("alter table audit_events enable trigger audit_events_append_only");
    return r.rowCount ?? 0;
  });
}

describe("GET /api/v1/chain/verify", () => {
  it("is ok on a clean chain, and on an empty one", async () => {
    const o = await orgWithEvents(12);
    expect(await verify(o.key)).toMatchObject({ ok: true, checked: 12, first_bad_seq: null, head_seq: 12, missing: 0, problems: [] });
    const empty = await newOrg();
    expect(await verify(empty.apiKey.key)).toMatchObject({ ok: true, checked: 0, first_bad_seq: null, head_seq: 0 });
  });

  it("finds a row whose metadata was rewritten behind the trigger's back, at its seq", async () => {
    const o = await orgWithEvents(15);
    const changed = await tamper(`update audit_events set metadata = metadata || '{"i": 999}' where org_id = $1 and seq = 7`, [o.orgId]);
    expect(changed).toBe(1);
    const v = await verify(o.key);
    expect(v).toMatchObject({ ok: false, checked: 15, first_bad_seq: 7 });
    expect(v.problems.join("\n")).toMatch(/content does not match content_hash at seq 7/);
    // The event page says so too; its neighbour still links.
    const seven = await call(getOne, { key: o.key, params: { id: o.ids[6]! } });
    expect(seven.json.data).toMatchObject({ seq: 7, metadata: { i: 999 }, chain: { verified: false } });
    const eight = await call(getOne, { key: o.key, params: { id: o.ids[7]! } });
    expect(eight.json.data.chain.verified).toBe(true);
  });

  it("finds a rewritten reason, and a rewrite that recomputes the row's own hashes", async () => {
    const o = await orgWithEvents(10);
    await tamper("update audit_events set reason = 'nothing to see' where org_id = $1 and seq = 4", [o.orgId]);
    expect(await verify(o.key)).toMatchObject({ ok: false, first_bad_seq: 4 });

    const p = await orgWithEvents(10);
    // Rewrite seq 6 and fix its content_hash and hash: the break moves to seq 7's link.
    const { contentHash, linkHash } = await import("@/lib/integrity/chain");
    const six = (await call(getOne, { key: p.key, params: { id: p.ids[5]! } })).json.data;
    const forged = { ...six, reason: "forged" }; // contentHash leaves out the "chain" mark
    const ch = contentHash(forged);
    await tamper("update audit_events set reason = 'forged', content_hash = $2, hash = $3 where org_id = $1 and seq = 6",
      [p.orgId, ch, linkHash(forged.prev_hash, ch)]);
    const v = await verify(p.key);
    expect(v).toMatchObject({ ok: false, first_bad_seq: 7 });
    expect(v.problems.join("\n")).toMatch(/prev_hash at seq 7 is not the hash of seq 6/);
  });

  it("reports a row deleted from the middle as a gap at its seq", async () => {
    const o = await orgWithEvents(10);
    await inTransaction(async (c) => {
      await c.query("set local vigil.retention = 'on'");
      await c.query("delete from audit_events where org_id = $1 and seq = 5", [o.orgId]);
    });
    const v = await verify(o.key);
    expect(v).toMatchObject({ ok: false, checked: 9, first_bad_seq: 5 });
    expect(v.problems.join("\n")).toMatch(/gap/);
  });
});

describe("the database refuses to rewrite the trail", () => {
  it("UPDATE, DELETE and TRUNCATE fail while the trigger is on; nothing changes", async () => {
    const o = await orgWithEvents(3);
    const refused = async (sql: string) => {
      const err = await pool().query(sql, sql.includes("$1") ? [o.orgId] : []).then(() => undefined, (e: unknown) => e as { code?: string; message: string });
      expect(err, sql).toBeDefined();
      expect(err!.code).toBe("42501");
      expect(err!.message).toMatch(/append-only/);
    };
    await refused("update audit_events set reason = 'x' where org_id = $1 and seq = 2");
    await refused("update audit_events set metadata = '{}' where org_id = $1");
    await refused("delete from audit_events where org_id = $1 and seq = 3");
    // TRUNCATE inside a transaction that is rolled back whatever happens: if the trigger ever
    // went missing, this test fails without emptying the table under the other test files.
    const c = await pool().connect();
    try {
      await c.query("begin");
      const err = await c.query("truncate audit_events").then(() => undefined, (e: unknown) => e as { code?: string; message: string });
      expect(err?.code).toBe("42501");
      expect(err?.message).toMatch(/append-only: TRUNCATE refused/);
    } finally {
      await c.query("rollback");
      c.release();
    }
    // Deleting straight from a partition is refused too: the trigger is on every partition.
    const { rows: [part] } = await pool().query<{ rel: string }>(
      "select tableoid::regclass::text as rel from audit_events where org_id = $1 limit 1", [o.orgId]);
    await refused(`delete from ${part!.rel} where org_id = $1`);
    // Outside a retention transaction the flag does nothing for UPDATE.
    await expect(inTransaction(async (c) => {
      await c.query("set local vigil.retention = 'on'");
      await c.query("update audit_events set reason = 'x' where org_id = $1", [o.orgId]);
    })).rejects.toMatchObject({ code: "42501" });
    expect(await verify(o.key)).toMatchObject({ ok: true, checked: 3 });
  });
});

describe("signed checkpoints", () => {
  it("catch the newest rows deleted with the head moved back to hide it", async () => {
    const o = await orgWithEvents(20);
    const cp = await takeCheckpoint(o.orgId);
    expect(cp).toMatchObject({ orgId: o.orgId, seq: 20 });
    expect(await verify(o.key)).toMatchObject({ ok: true, missing: 0, checkpoint: { seq: 20, hash: cp.hash } });

    await inTransaction(async (c) => {
      await c.query("set local vigil.retention = 'on'");
      const del = await c.query("delete from audit_events where org_id = $1 and seq > 17", [o.orgId]);
      expect(del.rowCount).toBe(3);
      await c.query(
        "update chain_heads set seq = 17, hash = (select hash from audit_events where org_id = $1 and seq = 17) where org_id = $1",
        [o.orgId],
      );
    });
    const v = await verify(o.key);
    // Re-hashed from the chain's last event, as what is left is shorter than the checkpoint.
    expect(v).toMatchObject({ ok: false, checked: 1, from_seq: 17, head_seq: 17, missing: 3, first_bad_seq: 18, checkpoint: { seq: 20 } });
    expect(v.problems.join("\n")).toMatch(/3 event\(s\) signed in the checkpoint .* are missing/);
  });

  it("a rewrite before the checkpoint is found by the verify job's daily whole-chain pass, and every answer says so from then on", async () => {
    const o = await orgWithEvents(30);
    expect(await runScheduledJob("verify", { orgIds: [o.orgId] })).toMatchObject({ status: "succeeded", summary: { checked: 30, checkpoints: 1 } });
    await call(POST, { key: o.key, body: { action: "LOGOUT" } });
    // Only what came after the verified head (seq 30, verified by the job).
    expect(await verify(o.key)).toMatchObject({ ok: true, from_seq: 31, checked: 1, verified_seq: 31, unverified: 0, full_verification: { ok: true, checked: 30 } });

    await tamper("update audit_events set reason = 'nothing happened' where org_id = $1 and seq = 9", [o.orgId]);
    // A request re-hashes only what is new; the job's daily pass is what covers seq 9.
    expect(await sweepOrg(o.orgId)).toMatchObject({ ok: false, first_bad_seq: 9, checkpoint_seq: null });
    // The hourly runs answer the recorded break too, and sign nothing.
    const job = await runScheduledJob("verify", { orgIds: [o.orgId] });
    expect(job).toMatchObject({ status: "succeeded", summary: { checkpoints: 0, failed: [{ org_id: o.orgId, first_bad_seq: 9 }] } });
    const v = await verify(o.key);
    expect(v).toMatchObject({ ok: false, first_bad_seq: 9, from_seq: 32, full_verification: { ok: false, first_bad_seq: 9, head_seq: 31 } });
    expect(v.problems.join("\n")).toMatch(/full verification of .*content does not match content_hash at seq 9/);
    // A report download answers the same and signs nothing; the alert is raised once.
    expect(await verifyAndCheckpoint(o.orgId)).toMatchObject({ ok: false, first_bad_seq: 9, full_verified_at: expect.any(String) });
    const alerts = await listAlerts(o.orgId, {});
    expect(alerts.filter((a) => a.rule === "chain_integrity")).toHaveLength(1);
  });

  it("without a checkpoint, rows cut from the end still show against the chain head", async () => {
    const o = await orgWithEvents(8);
    await inTransaction(async (c) => {
      await c.query("set local vigil.retention = 'on'");
      await c.query("delete from audit_events where org_id = $1 and seq > 6", [o.orgId]);
    });
    expect(await verify(o.key)).toMatchObject({ ok: false, checked: 6, head_seq: 8, first_bad_seq: 7 });
  });

  it("GET /api/v1/chain/checkpoints lists them with the public keys that check them", async () => {
    const o = await orgWithEvents(5);
    await takeCheckpoint(o.orgId);
    await call(POST, { key: o.key, body: { action: "LOGOUT" } });
    await takeCheckpoint(o.orgId);
    const res = await call(checkpointsRoute, { key: o.key, path: "/api/v1/chain/checkpoints" });
    expect(res.status).toBe(200);
    const { data, public_keys: keys } = res.json as { data: CheckpointJson[]; public_keys: Array<{ id: string; public_key: string }> };
    expect(data.map((c) => c.seq)).toEqual([6, 5]);
    expect(res.json.format).toMatch(/C2SP tlog-checkpoint/);
    for (const c of data) {
      expect(c).toMatchObject({ org_id: o.orgId, hash: expect.stringMatching(/^[0-9a-f]{64}$/), signed_at: expect.any(String) });
      const key = keys.find((k) => k.id === c.key_id);
      expect(key?.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      expect(verifyCheckpointSignature(c, key!.public_key)).toBe(true);
    }
    // The signed head is the chain's real head at the time.
    const head = await pool().query("select hash from audit_events where org_id = $1 and seq = 6", [o.orgId]);
    expect(data[0]!.hash).toBe(head.rows[0].hash);

    const c = data[0]!;
    const pem = keys.find((k) => k.id === c.key_id)!.public_key;
    expect(verifyCheckpointSignature({ ...c, seq: c.seq + 1 }, pem)).toBe(false);
    expect(verifyCheckpointSignature({ ...c, hash: "0".repeat(64) }, pem)).toBe(false);
    expect(verifyCheckpointSignature({ ...c, signed_at: new Date(Date.parse(c.signed_at) + 1).toISOString() }, pem)).toBe(false);
    expect(verifyCheckpointSignature({ ...c, org_id: data[0]!.id }, pem)).toBe(false);
    const sig = Buffer.from(c.signature, "base64");
    sig[0] = sig[0]! ^ 1;
    expect(verifyCheckpointSignature({ ...c, signature: sig.toString("base64") }, pem)).toBe(false);
    // Another key does not check it.
    const otherPem = crypto.generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(verifyCheckpointSignature(c, otherPem)).toBe(false);

    // Another org sees none of these checkpoints; limit is validated.
    const other = await newOrg();
    const foreign = await call(checkpointsRoute, { key: other.apiKey.key, path: "/api/v1/chain/checkpoints" });
    expect(foreign.json.data).toEqual([]);
    const bad = await call(checkpointsRoute, { key: o.key, path: "/api/v1/chain/checkpoints?limit=0" });
    expect(bad.status).toBe(400);
    const limited = await call(checkpointsRoute, { key: o.key, path: "/api/v1/chain/checkpoints?limit=1" });
    expect(limited.json.data.map((x: CheckpointJson) => x.seq)).toEqual([6]);
  });

  it("each signs the tree head as a C2SP checkpoint in a signed note that the listed verifier key checks", async () => {
    const o = await orgWithEvents(7);
    const cp = checkpointToJson(await takeCheckpoint(o.orgId));
    const { public_keys: keys } = (await call(checkpointsRoute, { key: o.key, path: "/api/v1/chain/checkpoints" })).json as { public_keys: Array<{ id: string; public_key: string; verifier_key: string }> };
    const key = keys.find((k) => k.id === cp.key_id)!;
    // The note, line by line, as C2SP tlog-checkpoint and signed-note lay it out.
    const [body, sigLine] = cp.note!.split("\n\n");
    expect(body!.split("\n")).toEqual([
      `vigil/orgs/${o.orgId}`, "7", Buffer.from(cp.root_hash!, "hex").toString("base64"), `chain-head ${cp.hash}`, `signed-at ${cp.signed_at}`,
    ]);
    expect(cp.root_hash).toBe((await rootAt(pool(), o.orgId, 7)).toString("hex"));
    // The verifier key: name, key id, 0x01 ‖ raw public key; the signature line carries the key id first.
    // (The base64 part may hold "+" itself.)
    const [name, keyHash, ...rest] = key.verifier_key.split("+");
    expect(name).toBe("vigil");
    const raw = Buffer.from(rest.join("+"), "base64");
    expect(raw).toHaveLength(33);
    expect(raw[0]).toBe(1);
    const expectedHash = crypto.createHash("sha256").update("vigil\n").update(Buffer.of(1)).update(raw.subarray(1)).digest().subarray(0, 4);
    expect(keyHash).toBe(expectedHash.toString("hex"));
    const m = /^\u2014 vigil ([A-Za-z0-9+/=]+)\n$/.exec(sigLine!);
    const sig = Buffer.from(m![1]!, "base64");
    expect(sig.subarray(0, 4).equals(expectedHash)).toBe(true);
    // Checked with nothing but the raw key from the verifier key, as a generic verifier does.
    const publicKey = crypto.createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw.subarray(1)]), format: "der", type: "spki" });
    expect(crypto.verify(null, Buffer.from(body + "\n"), publicKey, sig.subarray(4))).toBe(true);
    expect(verifyCheckpointSignature(cp, key.public_key)).toBe(true);
    // A note that says another size or root is refused, however the fields read.
    expect(verifyCheckpointSignature({ ...cp, note: cp.note!.replace("\n7\n", "\n8\n") }, key.public_key)).toBe(false);
    expect(verifyCheckpointSignature({ ...cp, root_hash: "00".repeat(32) }, key.public_key)).toBe(false);
  });

  it("GET /api/v1/chain/consistency proves an earlier head a prefix of the signed one, and names a bad size", async () => {
    const o = await orgWithEvents(40);
    const early = checkpointToJson(await takeCheckpoint(o.orgId));
    for (let i = 0; i < 3; i++) await call(POST, { key: o.key, body: { action: "LOGOUT" } });
    const late = checkpointToJson(await takeCheckpoint(o.orgId));
    const res = await call(consistencyRoute, { key: o.key, path: `/api/v1/chain/consistency?from=${early.seq}` });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ from: 40, to: 43, from_root: early.root_hash, to_root: late.root_hash, checkpoint: { id: late.id } });
    const proof = (res.json.proof as string[]).map((h) => Buffer.from(h, "hex"));
    expect(verifyConsistency(40, 43, Buffer.from(early.root_hash!, "hex"), Buffer.from(late.root_hash!, "hex"), proof)).toBe(true);
    // A head that was never this log's is not proven consistent by it.
    expect(verifyConsistency(40, 43, Buffer.alloc(32, 7), Buffer.from(late.root_hash!, "hex"), proof)).toBe(false);
    // An earlier size that was signed comes with its own signed head.
    const earlier = await call(consistencyRoute, { key: o.key, path: `/api/v1/chain/consistency?from=10&to=${early.seq}` });
    expect(earlier.json).toMatchObject({ from: 10, to: 40, to_root: early.root_hash, checkpoint: { id: early.id } });
    const past = await call(consistencyRoute, { key: o.key, path: "/api/v1/chain/consistency?from=1&to=999" });
    expect(past.status).toBe(400);
    expect(JSON.stringify(past.json)).toMatch(/to/);
    const backwards = await call(consistencyRoute, { key: o.key, path: "/api/v1/chain/consistency?from=43&to=40" });
    expect(backwards.status).toBe(400);
    expect((await call(consistencyRoute, { key: o.key, path: "/api/v1/chain/consistency?from=abc" })).status).toBe(400);
  });

  it("GET /api/v1/events/{id} carries the event's inclusion proof against the latest signed head, once one covers it", async () => {
    const o = await orgWithEvents(250);
    const before = (await call(getOne, { key: o.key, params: { id: o.ids[200]! } })).json.data;
    expect(before.chain.proof).toBeNull();
    const cp = checkpointToJson(await takeCheckpoint(o.orgId));
    const e = (await call(getOne, { key: o.key, params: { id: o.ids[200]! } })).json.data;
    expect(e.chain.proof).toMatchObject({ leaf_index: 200, tree_size: 250, root_hash: cp.root_hash, proven: true, checkpoint: { id: cp.id, note: cp.note } });
    // Checked again here from the event alone: its leaf, the path, the signed root.
    const path = (e.chain.proof.inclusion as string[]).map((h) => Buffer.from(h, "hex"));
    expect(path.length).toBeGreaterThan(0);
    expect(verifyInclusion(eventLeaf(e.hash), 200, 250, path, Buffer.from(cp.root_hash!, "hex"))).toBe(true);
    expect(verifyInclusion(eventLeaf(e.prev_hash), 200, 250, path, Buffer.from(cp.root_hash!, "hex"))).toBe(false);
  });

  it("vigil keys rotate: new checkpoints use the new key, and every older one still verifies with the key that signed it", async () => {
    const o = await orgWithEvents(3);
    const before = checkpointToJson(await takeCheckpoint(o.orgId));
    // One from before the tree: no note, signed under the JSON rule.
    const legacyKey = crypto.generateKeyPairSync("ed25519");
    const legacyPem = legacyKey.publicKey.export({ type: "spki", format: "pem" }).toString();
    const legacy = { id: crypto.randomUUID(), org_id: o.orgId, seq: 3, hash: before.hash, root_hash: null, signed_at: before.signed_at, key_id: "legacy", note: null, signature: "" };
    legacy.signature = crypto.sign(null, Buffer.from(checkpointMessage(legacy)), legacyKey.privateKey).toString("base64");
    expect(verifyCheckpointSignature(legacy, legacyPem)).toBe(true);

    const rotated = await rotateSigningKey();
    expect(rotated.id).not.toBe(before.key_id);
    await call(POST, { key: o.key, body: { action: "LOGOUT" } });
    const after = checkpointToJson(await takeCheckpoint(o.orgId));
    expect(after.key_id).toBe(rotated.id);
    const { public_keys: keys } = (await call(checkpointsRoute, { key: o.key, path: "/api/v1/chain/checkpoints" })).json as { public_keys: Array<{ id: string; public_key: string; verifier_key: string }> };
    const pem = (id: string) => keys.find((k) => k.id === id)!.public_key;
    expect(keys.find((k) => k.id === rotated.id)?.verifier_key).toBe(rotated.verifierKey);
    expect(verifyCheckpointSignature(before, pem(before.key_id))).toBe(true);
    expect(verifyCheckpointSignature(after, pem(after.key_id))).toBe(true);
    expect(verifyCheckpointSignature(before, pem(after.key_id))).toBe(false);
  });

  it("requires events:read", async () => {
    const writeOnly = await newOrg(["events:write"]);
    expect((await call(verifyRoute, { key: writeOnly.apiKey.key })).status).toBe(403);
    expect((await call(checkpointsRoute, { key: writeOnly.apiKey.key, path: "/api/v1/chain/checkpoints" })).status).toBe(403);
    expect((await call(verifyRoute, {})).status).toBe(401);
  });
});
