import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { ingestEvents } from "@/lib/events/ingest";
import { verifyFile } from "@/lib/integrity/verify-file";
import { call, newOrg } from "@/tests/helpers/fixtures";

/**
 * Exports that prove themselves (issue 12, item 3): an auditor's `vigil verify` of an
 * export refuses any event removed, reordered, duplicated or altered, and any cut to the
 * file's head or tail; a filtered export is proven against the org's signed tree head.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-export-proof-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let key: string;
let orgId: string;
let full: string[];

beforeAll(async () => {
  const o = await newOrg();
  key = o.apiKey.key;
  orgId = o.org.id;
  const bodies = Array.from({ length: 300 }, (_, i) => ({
    action: i % 7 === 0 ? "LOGIN_FAILED" : "CONTACT_UPDATED", status: i % 7 === 0 ? "failed" : "success",
    actor: { type: "user", email: `p${i % 5}@example.com` }, metadata: { i },
  }));
  for (let i = 0; i < bodies.length; i += 100) await ingestEvents(orgId, bodies.slice(i, i + 100));
  full = await exportLines("/api/v1/exports?format=ndjson");
}, 120_000);

async function exportLines(url: string): Promise<string[]> {
  const res = await call(exportEvents, { key, path: url });
  expect(res.status).toBe(200);
  return res.text.split("\n").filter(Boolean);
}

let n = 0;
async function verify(lines: string[]) {
  const file = path.join(dir, `export-${n++}.ndjson`);
  fs.writeFileSync(file, lines.map((l) => l + "\n").join(""));
  return verifyFile(file);
}

const events = (lines: string[]) => lines.slice(0, -1);
const proofOf = (lines: string[]) => lines.at(-1)!;

describe("an export made with no filter", () => {
  it("ends with its proof line and verifies: every kept event of the log up to its signed head", async () => {
    expect(full).toHaveLength(301);
    expect(JSON.parse(proofOf(full))).toMatchObject({
      vigil_export_proof: { statement: { org_id: orgId, filter: "", unfiltered: true, from_seq: 1, to_seq: 300, count: 300, tree_size: 300 } },
    });
    const r = await verify(full);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, checked: 300, proven: { unfiltered: true, count: 300, tree_size: 300, verifier_key: expect.stringMatching(/^vigil\+[0-9a-f]{8}\+/) } });
  });

  it.each([
    ["an event removed from the middle", (l: string[]) => [...l.slice(0, 150), ...l.slice(151)], /covers 300 event\(s\), the file holds 299; the first seq missing is 151/],
    ["its newest 20 events cut off", (l: string[]) => [...events(l).slice(0, 280), proofOf(l)], /ends at seq 300, the file at 280: its tail was cut/],
    ["its oldest 5 events cut off", (l: string[]) => l.slice(5), /starts at seq 1, the file at 6: its head was cut/],
    ["two events swapped", (l: string[]) => [...l.slice(0, 10), l[11]!, l[10]!, ...l.slice(12)], /seq 11 follows 12: events are out of order/],
    ["an event repeated", (l: string[]) => [...l.slice(0, 10), l[10]!, ...l.slice(10)], /covers 300 event\(s\), the file holds 301/],
    ["an event altered", (l: string[]) => l.map((x, i) => (i === 42 ? x.replace('"metadata":{"i": 42}', '"metadata":{"i": 43}') : x)), /content does not match content_hash at seq 43/],
    ["the proof line cut off", (l: string[]) => events(l), /no proof line at the end/],
    ["the proof line cut in half", (l: string[]) => [...events(l), proofOf(l).slice(0, 400)], /not JSON[\s\S]*|no proof line/],
    ["the signed count changed", (l: string[]) => [...events(l).slice(0, 299), proofOf(l).replace('"count":300', '"count":299').replace('"to_seq":300', '"to_seq":299')], /statement is not signed by its key/],
  ])("fails with %s, naming the problem", async (_what, damage, message) => {
    const before = events(full)[42]!;
    expect(before).toContain('"metadata":{"i": 42}');
    const r = await verify(damage(full));
    expect(r.ok).toBe(false);
    expect(r.problems.join("\n")).toMatch(message);
  });
});

describe("a filtered export", () => {
  it("proves every included event in the org's log, and refuses one taken out", async () => {
    const lines = await exportLines("/api/v1/exports?format=ndjson&action=LOGIN_FAILED");
    // seq 1, 8, 15 … 295: every 7th event, 43 of them.
    expect(events(lines)).toHaveLength(43);
    const r = await verify(lines);
    expect(r.problems).toEqual([]);
    expect(r.proven).toMatchObject({ unfiltered: false, filter: "action:LOGIN_FAILED", count: 43, from_seq: 1, to_seq: 295, org_id: orgId });
    expect(r.proven!.tree_size).toBeGreaterThanOrEqual(300);
    const dropped = await verify([...lines.slice(0, 20), ...lines.slice(21)]);
    expect(dropped.ok).toBe(false);
    expect(dropped.problems.join("\n")).toMatch(/covers 43 event\(s\), the file holds 42/);
    // An event of the same org that the filter didn't hold, slipped in: the root no longer rebuilds.
    const extra = events(full)[1]!;
    const slipped = await verify([lines[0]!, extra, ...lines.slice(2)]);
    expect(slipped.ok).toBe(false);
    expect(slipped.problems.join("\n")).toMatch(/don't rebuild the signed tree root/);
  });

  it("vigil verify prints what it proved, and exits 2 for a damaged file with the first problem", () => {
    const file = path.join(dir, "filtered.ndjson");
    fs.writeFileSync(file, full.map((l) => l + "\n").join(""));
    const ok = spawnSync(process.execPath, [path.resolve("bin/vigil.js"), "verify", file], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 300 event\(s\) checked/);
    expect(ok.stdout).toMatch(new RegExp(`every event of org ${orgId}'s log up to seq 300 that is still kept, proven against its signed tree head`));
    fs.writeFileSync(file, events(full).slice(0, 280).map((l) => l + "\n").join(""));
    const cut = spawnSync(process.execPath, [path.resolve("bin/vigil.js"), "verify", file], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    expect(cut.status).toBe(2);
    expect(cut.stdout).toMatch(/FAILED[\s\S]*no proof line at the end/);
  }, 60_000);
});
