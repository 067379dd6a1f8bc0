import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { ingestEvents } from "@/lib/events/ingest";
import { listCheckpoints, publicKeys, rotateSigningKey } from "@/lib/integrity/checkpoints";
import { treeConsistency } from "@/lib/integrity/proofs";
import { verifyFile } from "@/lib/integrity/verify-file";
import { FolderStore, setArchiveStore } from "@/lib/storage/archive-store";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { testApp } from "@/tests/helpers/http-app";
import { rewriteHistory } from "@/tests/helpers/rewrite";

/**
 * Issue 12, item 3 (d): `vigil verify FILE --checkpoint KEPT` checks an export against a
 * signed tree head the auditor kept from earlier, with a consistency proof, so a history
 * rewritten and re-signed since can't be handed over as a consistent-looking export; and
 * `--key` pins the key the auditor trusts, so an export signed by any other key fails.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-kept-"));
beforeAll(() => setArchiveStore(new FolderStore(path.join(dir, "store"))));
afterAll(() => {
  setArchiveStore(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

const body = (i: number) => ({ action: i % 9 === 0 ? "LOGIN_FAILED" : "CONTACT_UPDATED", status: i % 9 === 0 ? "failed" : "success", actor: { type: "user", email: `k${i % 4}@example.com` }, metadata: { i } });

async function exportText(key: string, url: string): Promise<string> {
  const res = await call(exportEvents, { key, path: url });
  expect(res.status).toBe(200);
  return res.text;
}

let n = 0;
function write(text: string, ext = "ndjson"): string {
  const file = path.join(dir, `file-${n++}.${ext}`);
  fs.writeFileSync(file, text);
  return file;
}

/** An org whose auditor kept the head an export of its first 300 events was proven against, and 200 more events. */
async function orgWithKeptHead() {
  const o = await newOrg();
  for (let i = 0; i < 300; i += 100) await ingestEvents(o.org.id, Array.from({ length: 100 }, (_, j) => body(i + j)));
  await exportText(o.apiKey.key, "/api/v1/exports?format=ndjson");
  const kept = (await listCheckpoints(o.org.id, 1))[0]!;
  expect(kept.seq).toBe(300);
  for (let i = 300; i < 500; i += 100) await ingestEvents(o.org.id, Array.from({ length: 100 }, (_, j) => body(i + j)));
  return { orgId: o.org.id, key: o.apiKey.key, kept: kept.note!, keptFile: write(kept.note!, "note") };
}

const fromVigil = (orgId: string) => async (from: number, to: number) => (await treeConsistency(orgId, from, to)).proof;

describe("an export checked against a head kept from earlier", () => {
  it("an export of everything proves the kept head a prefix of its own from its first events", async () => {
    const o = await orgWithKeptHead();
    const file = write(await exportText(o.key, "/api/v1/exports?format=ndjson"));
    const r = await verifyFile(file, { checkpoint: o.kept });
    expect(r.problems).toEqual([]);
    expect(r.kept).toMatch(/consistent with the kept checkpoint of size 300 .*: the export's first 300 events rebuild it/);
  });

  it("a filtered export needs the consistency proof, and verifies with it", async () => {
    const o = await orgWithKeptHead();
    const file = write(await exportText(o.key, "/api/v1/exports?format=ndjson&action=LOGIN_FAILED"));
    const without = await verifyFile(file, { checkpoint: o.kept });
    expect(without.ok).toBe(false);
    expect(without.problems.join("\n")).toMatch(/a consistency proof is needed; pass --api URL/);
    const r = await verifyFile(file, { checkpoint: o.kept, consistency: fromVigil(o.orgId) });
    expect(r.problems).toEqual([]);
    expect(r.kept).toMatch(/proven by the consistency proof from size 300 to 50[0-9]/);
  });

  it("catches a history rewritten and re-signed since the head was kept, though the new export verifies on its own", async () => {
    const o = await orgWithKeptHead();
    await rewriteHistory(o.orgId, 10);
    // The attacker also removed the heads the archive store kept: nothing inside Vigil objects.
    fs.rmSync(path.join(dir, "store", o.orgId), { recursive: true, force: true });
    const full = write(await exportText(o.key, "/api/v1/exports?format=ndjson"));
    const alone = await verifyFile(full);
    expect(alone.problems).toEqual([]);
    const againstKept = await verifyFile(full, { checkpoint: o.kept });
    expect(againstKept.ok).toBe(false);
    expect(againstKept.problems.join("\n")).toMatch(/first 300 events don't rebuild the kept checkpoint's root: the log was rewritten/);
    // A filtered export of the new history: the consistency proof Vigil answers can't make it fit.
    const filtered = write(await exportText(o.key, "/api/v1/exports?format=ndjson&action=LOGIN_FAILED"));
    const proven = await verifyFile(filtered, { checkpoint: o.kept, consistency: fromVigil(o.orgId) });
    expect(proven.ok).toBe(false);
    expect(proven.problems.join("\n")).toMatch(/the tree of size 300 is not a prefix of the tree of size/);
  });

  it("--key: an export or kept head signed by another key fails; after a rotation both keys can be trusted", async () => {
    const o = await orgWithKeptHead();
    const before = (await publicKeys()).at(-1)!.verifier_key;
    await rotateSigningKey();
    const after = (await publicKeys()).at(-1)!.verifier_key;
    expect(after).not.toBe(before);
    const file = write(await exportText(o.key, "/api/v1/exports?format=ndjson"));
    const pinnedOld = await verifyFile(file, { keys: [before] });
    expect(pinnedOld.problems.join("\n")).toMatch(new RegExp(`signed by ${after.replace(/[+]/g, "\\+")}, not by a key you trust`));
    // The kept head was signed by the old key, the export by the new one.
    const onlyNew = await verifyFile(file, { keys: [after], checkpoint: o.kept });
    expect(onlyNew.problems.join("\n")).toMatch(/the kept checkpoint is not signed by the key/);
    const both = await verifyFile(file, { keys: [before, after], checkpoint: o.kept });
    expect(both.problems).toEqual([]);
    expect(both.kept).toMatch(/size 300/);
    expect((await verifyFile(file, { keys: ["vigil+00+AAAA"] })).problems.join("\n")).toMatch(/is not a C2SP Ed25519 verifier key/);
  });
});

describe("vigil verify --checkpoint --api", () => {
  it("fetches the consistency proof from a running Vigil and prints what it proved; a missing kept file is one line and exit 2", async () => {
    const o = await orgWithKeptHead();
    const app = await testApp();
    const file = write(await exportText(o.key, "/api/v1/exports?format=ndjson&action=LOGIN_FAILED"));
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.resolve("bin/vigil.js"), "verify", ...args], {
          env: { ...process.env, VIGIL_API_KEY: o.key, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const ok = await run([file, "--checkpoint", o.keptFile, "--api", app.baseUrl]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/consistent with the kept checkpoint of size 300 .*proven by the consistency proof from size 300/);
    const missing = await run([file, "--checkpoint", path.join(dir, "nothing.note")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/can't read the checkpoint file/);
  }, 180_000);
});
