import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as listCheckpointsRoute } from "@/app/api/v1/chain/checkpoints/route";
import { pool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { ingestEvents } from "@/lib/events/ingest";
import { listAlerts } from "@/lib/alerts/store";
import { publicKeys, takeCheckpoint } from "@/lib/integrity/checkpoints";
import { configuredWitnesses, witnessesSettled, witnessStates, WitnessConfigError } from "@/lib/integrity/http-witness";
import { FolderStore, setArchiveStore } from "@/lib/storage/archive-store";
import { runScheduledJob } from "@/server/jobs";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { rewriteHistory } from "@/tests/helpers/rewrite";
import { WitnessServer } from "@/tests/helpers/witness-server";
import { formData, sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import type { ActionState } from "@/lib/http/action";
import { eventsOf, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";

/**
 * Issue 12, item 4: every new signed tree head goes to each witness of VIGIL_WITNESS_URLS
 * over C2SP tlog-witness, with the consistency proof from what that witness last cosigned;
 * a real witness server on loopback checks it and cosigns. A witness that is down delays
 * nothing and is caught up by the verify job; one that refuses a head — a history rewritten
 * and re-signed with the real key — raises the critical alert.
 */

let keys: string[] = [];
let witness: WitnessServer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-http-witness-"));
const saved = { urls: process.env.VIGIL_WITNESS_URLS, allow: process.env.VIGIL_OUTBOUND_ALLOW };

/** `allow` null: VIGIL_OUTBOUND_ALLOW unset. */
function configure(urls: string | undefined, allow: string | null | undefined = "127.0.0.1"): void {
  if (urls === undefined) delete process.env.VIGIL_WITNESS_URLS;
  else process.env.VIGIL_WITNESS_URLS = urls;
  if (allow === undefined || allow === null) delete process.env.VIGIL_OUTBOUND_ALLOW;
  else process.env.VIGIL_OUTBOUND_ALLOW = allow;
  resetEnvCache();
}

beforeAll(async () => {
  setArchiveStore(new FolderStore(dir));
  witness = await WitnessServer.start(() => keys);
});
afterEach(async () => {
  await witnessesSettled();
  witness.mode = "ok";
});
afterAll(async () => {
  configure(saved.urls, saved.allow);
  setArchiveStore(undefined);
  await witness.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function orgWith(n: number) {
  const o = await newOrg();
  for (let i = 0; i < n; i += 200) {
    await ingestEvents(o.org.id, Array.from({ length: Math.min(200, n - i) }, (_, j) => ({ action: "CONTACT_UPDATED", actor: { type: "user", email: `h${(i + j) % 5}@example.com` }, metadata: { i: i + j } })));
  }
  return o;
}

async function signedHead(orgId: string) {
  keys = (await publicKeys()).map((k) => k.public_key);
  const cp = await takeCheckpoint(orgId);
  await witnessesSettled();
  return cp;
}

describe("VIGIL_WITNESS_URLS", () => {
  it("takes URL [VERIFIER_KEY] entries and names a bad one", () => {
    expect(configuredWitnesses("")).toEqual([]);
    expect(configuredWitnesses(`${witness.url}/, ${witness.url}/b ${witness.verifierKey}`)).toMatchObject([{ url: witness.url }, { url: `${witness.url}/b`, name: witness.name }]);
    expect(() => configuredWitnesses("ftp://x")).toThrow(WitnessConfigError);
    expect(() => configuredWitnesses(`${witness.url} vigil+00000000+AAAA`)).toThrow(/not a C2SP Ed25519 cosigner verifier key/);
  });
});

describe("heads sent to a witness (C2SP tlog-witness)", () => {
  it("each new head goes with the consistency proof from the last cosigned one, and its cosignature is kept and listed", async () => {
    configure(`${witness.url} ${witness.verifierKey}`);
    const o = await orgWith(300);
    const first = await signedHead(o.org.id);
    const sent = witness.requests.at(-1)!;
    expect(sent.startsWith("old 0\n\n")).toBe(true);
    expect(sent.endsWith(first.note!)).toBe(true);
    await ingestEvents(o.org.id, [{ action: "LOGIN_SUCCESS" }, { action: "LOGOUT" }]);
    const second = await signedHead(o.org.id);
    const proofLines = witness.requests.at(-1)!.split("\n\n")[0]!.split("\n");
    expect(proofLines[0]).toBe("old 300");
    expect(proofLines.length).toBeGreaterThan(1);
    expect(witness.heads.get(`vigil/orgs/${o.org.id}`)).toMatchObject({ size: 302 });

    const res = await call(listCheckpointsRoute, { key: o.apiKey.key, path: "/api/v1/chain/checkpoints" });
    expect(res.status).toBe(200);
    const listed = res.json.data.find((c: { id: string }) => c.id === second.id);
    expect(listed.cosignatures).toHaveLength(1);
    // The cosignature checks with the witness's key alone, over cosignature/v1, its time and the checkpoint.
    const raw = Buffer.from(listed.cosignatures[0].split(" ")[2], "base64");
    const body = second.note!.slice(0, second.note!.lastIndexOf("\n\n") + 1);
    expect(crypto.verify(null, Buffer.from(`cosignature/v1\ntime ${raw.readBigUInt64BE(4)}\n${body}`), witness.publicKey, raw.subarray(12))).toBe(true);
    expect(res.json.witnesses).toEqual([expect.objectContaining({ witness: witness.url, size: 302, last_error: null })]);
  });

  it("a witness that is down delays nothing; the verify job sends it the latest head once it is back", async () => {
    configure(`${witness.url} ${witness.verifierKey}`);
    const o = await orgWith(50);
    witness.mode = "down";
    keys = (await publicKeys()).map((k) => k.public_key);
    const started = Date.now();
    const cp = await takeCheckpoint(o.org.id);
    expect(Date.now() - started).toBeLessThan(1000);
    await witnessesSettled();
    expect(await witnessStates(o.org.id)).toEqual([expect.objectContaining({ size: 0, last_error: "HTTP 5xx", failures: 1 })]);
    witness.mode = "ok";
    expect(await runScheduledJob("verify", { orgIds: [o.org.id] })).toMatchObject({ status: "succeeded" });
    expect(await witnessStates(o.org.id)).toEqual([expect.objectContaining({ size: cp.seq, last_error: null })]);
    expect(witness.heads.get(`vigil/orgs/${o.org.id}`)).toMatchObject({ size: cp.seq });
  });

  it("catches a history rewritten in the database and re-signed with the real key, with no head left in the archive store", async () => {
    configure(`${witness.url} ${witness.verifierKey}`);
    const o = await orgWith(600);
    await signedHead(o.org.id);
    expect(witness.heads.get(`vigil/orgs/${o.org.id}`)).toMatchObject({ size: 600 });

    // The attacker rewrites seq 5, re-hashes, rebuilds the tree, removes the heads the
    // archive store kept and what Vigil recorded of the witness: the new head gets signed.
    await rewriteHistory(o.org.id, 5);
    fs.rmSync(path.join(dir, o.org.id), { recursive: true, force: true });
    await pool().query("delete from witness_heads where org_id = $1", [o.org.id]);
    await ingestEvents(o.org.id, [{ action: "LOGIN_SUCCESS" }]);
    await signedHead(o.org.id);

    // The witness still holds size 600: it answers 409, then refuses the proof from 600.
    expect(witness.requests.at(-1)!.startsWith("old 600\n")).toBe(true);
    expect(witness.heads.get(`vigil/orgs/${o.org.id}`)).toMatchObject({ size: 600 });
    const alerts = (await listAlerts(o.org.id)).filter((a) => a.rule === "chain_integrity");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: "critical" });
    expect(alerts[0]!.title).toMatch(/A witness refused the signed head of size 601: .*refused the consistency proof from size 600 to 601: the log's history was rewritten/);
  });

  it("goes through the outbound guard: a loopback witness not named in VIGIL_OUTBOUND_ALLOW is refused", async () => {
    configure(witness.url, null);
    const o = await orgWith(10);
    const before = witness.requests.length;
    await signedHead(o.org.id);
    expect(witness.requests.length).toBe(before);
    expect(await witnessStates(o.org.id)).toEqual([expect.objectContaining({ last_error: "refused target" })]);
  });
});

describe("Settings → Witnesses", () => {
  const ACTIONS = "app/(console)/settings/witnesses/actions.ts";
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  }, 240_000);

  async function submit(user: TestUser, name: "addWitnessAction" | "removeWitnessAction", fields: Record<string, string>): Promise<ActionState> {
    const answer = await app.action(ACTIONS, name, [null, formData(fields)], { cookie: await sessionCookie(user), "x-forwarded-for": "192.0.2.9" });
    expect(answer.status).toBe(200);
    return answer.result as ActionState;
  }

  it("an admin adds a witness (recorded), sees it listed with its state, and the org's next head goes to it; a bad URL or key is named beside its field", async () => {
    configure(undefined);
    const { orgId, user } = await orgWithUser("admin");
    const private10 = await submit(user, "addWitnessAction", { url: "http://10.0.0.5/", verifierKey: "" });
    expect(private10).toMatchObject({ ok: false, fieldErrors: { url: expect.stringMatching(/private, loopback or reserved/) } });
    const badKey = await submit(user, "addWitnessAction", { url: witness.url, verifierKey: "not-a-key" });
    expect(badKey).toMatchObject({ ok: false, fieldErrors: { verifierKey: expect.stringMatching(/not a C2SP Ed25519 cosigner verifier key/) } });
    expect(await submit(user, "addWitnessAction", { url: witness.url, verifierKey: witness.verifierKey })).toMatchObject({ ok: true });
    expect(await eventsOf(orgId, "WITNESS_ADDED")).toEqual([expect.objectContaining({ actor_email: user.email, metadata: { url: witness.url, verifier_key: witness.verifierKey } })]);

    await ingestEvents(orgId, [{ action: "LOGIN_SUCCESS" }]);
    const cp = await signedHead(orgId);
    expect(witness.heads.get(`vigil/orgs/${orgId}`)).toMatchObject({ size: cp.seq });
    const page = await app.fetch("/settings/witnesses", { headers: { cookie: await sessionCookie(user) } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(witness.url);
    expect(page.text).toMatch(/up to date/);
    // Another org's heads don't go there.
    const other = await orgWith(3);
    const before = witness.requests.length;
    await signedHead(other.org.id);
    expect(witness.requests.length).toBe(before);
  }, 240_000);
});
