import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents } from "@/lib/events/ingest";
import { verifyFile, verifyFolder } from "@/lib/integrity/verify-file";
import { archiveThrough } from "@/lib/retention/segments";
import { FolderStore, setArchiveStore } from "@/lib/storage/archive-store";
import { newOrg } from "@/tests/helpers/fixtures";

/**
 * Issue 12, item 3: archive segments carry an export's proof in their manifest, and
 * `vigil verify FOLDER` proves each segment in the org's signed tree and the series
 * contiguous — a segment taken out, or one changed, fails naming it.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-segment-proofs-"));
beforeAll(() => setArchiveStore(new FolderStore(path.join(dir, "store"))));
afterAll(() => {
  setArchiveStore(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An org with three segments of 300, 300 and 100 events, copied to a folder of their own. */
async function archivedOrg(): Promise<{ orgId: string; folder: string; names: string[] }> {
  const { org } = await newOrg();
  for (let i = 0; i < 700; i += 100) {
    await ingestEvents(org.id, Array.from({ length: 100 }, (_, j) => ({ action: "CONTACT_UPDATED", actor: { type: "user", email: `s${j % 3}@example.com` }, metadata: { i: i + j } })));
    if (i === 200 || i === 500) await archiveThrough(org.id, i + 100, "backup");
  }
  await archiveThrough(org.id, 700, "backup");
  const stored = path.join(dir, "store", org.id);
  const folder = fs.mkdtempSync(path.join(dir, "copy-"));
  for (const n of fs.readdirSync(stored)) if (/\.(ndjson\.gz|manifest\.json)$/.test(n)) fs.copyFileSync(path.join(stored, n), path.join(folder, n));
  const names = fs.readdirSync(folder).filter((n) => n.endsWith(".ndjson.gz")).sort();
  expect(names).toEqual(["000000000001-000000000300.ndjson.gz", "000000000301-000000000600.ndjson.gz", "000000000601-000000000700.ndjson.gz"]);
  return { orgId: org.id, folder, names };
}

describe("archive segments that prove themselves", () => {
  it("each manifest proves its range in the signed tree, and the folder verifies as one contiguous series", async () => {
    const { orgId, folder, names } = await archivedOrg();
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, names[1]!.replace(".ndjson.gz", ".manifest.json")), "utf8"));
    expect(manifest.proof).toMatchObject({ statement: { org_id: orgId, from_seq: 301, to_seq: 600, count: 300, unfiltered: false } });
    expect(manifest.proof.statement.tree_size).toBeGreaterThanOrEqual(600);
    const one = await verifyFile(path.join(folder, names[1]!));
    expect(one.problems).toEqual([]);
    expect(one.proven).toMatchObject({ from_seq: 301, to_seq: 600, count: 300 });
    const all = await verifyFolder(folder);
    expect(all.problems).toEqual([]);
    expect(all).toMatchObject({ ok: true, org_id: orgId, first_seq: 1, last_seq: 700, checked: 700, unproven: [] });
  });

  it("a segment taken out of the folder is named by the seqs missing", async () => {
    const { folder, names } = await archivedOrg();
    fs.rmSync(path.join(folder, names[1]!));
    const v = await verifyFolder(folder);
    expect(v.ok).toBe(false);
    expect(v.problems).toContain(`seq 301..600 is missing between ${names[0]} and ${names[2]}`);
  });

  it("a segment with one event taken out fails against its manifest, even re-compressed", async () => {
    const { folder, names } = await archivedOrg();
    const file = path.join(folder, names[0]!);
    const lines = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n").filter(Boolean);
    fs.writeFileSync(file, zlib.gzipSync(lines.filter((_, i) => i !== 150).join("\n") + "\n"));
    const v = await verifyFolder(folder);
    expect(v.ok).toBe(false);
    const text = v.problems.join("\n");
    expect(text).toMatch(/the file was changed/);
    expect(text).toMatch(/proof \(manifest\): the proof covers 300 event\(s\), the file holds 299/);
  });

  it("vigil verify FOLDER prints what it proved; a damaged folder exits 2", async () => {
    const { orgId, folder, names } = await archivedOrg();
    const run = () => spawnSync(process.execPath, [path.resolve("bin/vigil.js"), "verify", folder], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    const ok = run();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 3 segment\(s\), 700 event\(s\) checked/);
    expect(ok.stdout).toContain(`seq 1..700 of org ${orgId}, contiguous from the first event`);
    expect(ok.stdout).toMatch(/3 segment\(s\) proven in the org's signed tree/);
    fs.rmSync(path.join(folder, names[2]!.replace(".ndjson.gz", ".manifest.json")));
    fs.rmSync(path.join(folder, names[1]!));
    const bad = run();
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/FAILED[\s\S]*seq 301\.\.600 is missing/);
  }, 60_000);
});
