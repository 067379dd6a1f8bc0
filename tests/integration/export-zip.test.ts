import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { ingestEvents } from "@/lib/events/ingest";
import { verifyFile } from "@/lib/integrity/verify-file";
import { call, newOrg } from "@/tests/helpers/fixtures";

/**
 * Issue 12, item 3: a CSV export that proves itself. `format=zip` is events.csv (exactly the
 * `format=csv` bytes) with events.ndjson and its proof line; `vigil verify` proves the NDJSON
 * and checks the CSV is those events, byte for byte — a cell changed in the spreadsheet's
 * copy fails, naming the row.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-export-zip-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let key: string;
beforeAll(async () => {
  const o = await newOrg();
  key = o.apiKey.key;
  const tricky = ["=SUM(A1)", "+1", "-2", "@who", "\ttab", 'a "quote", and a comma', "two\nlines", "crlf\r\nend", "é ü 漢字 \u{1F600}", "'already"];
  const results = await ingestEvents(o.org.id, Array.from({ length: 120 }, (_, i) => ({
    action: i % 4 === 0 ? "LOGIN_FAILED" : "CONTACT_UPDATED",
    status: i % 4 === 0 ? "failed" : "success",
    actor: { type: "user", email: `z${i % 3}@example.com`, name: tricky[i % tricky.length] },
    targets: [{ type: "contact", id: `c-${i}`, name: tricky[(i + 3) % tricky.length] }],
    reason: i % 5 === 0 ? tricky[(i + 5) % tricky.length] : undefined,
    changes: i % 6 === 0 ? [{ field: "plan", before: { tier: "Basic", seats: 1.5 }, after: [null, true, "x,y", 1e21] }] : undefined,
    metadata: { i, text: tricky[(i + 7) % tricky.length], nested: { a: [1, { b: "c" }] } },
  })));
  expect(results.filter((r) => r.status !== "created")).toEqual([]);
});

async function download(url: string): Promise<Uint8Array> {
  const res = await exportEvents(new Request(`http://localhost${url}`, { headers: { authorization: `Bearer ${key}` } }), { params: Promise.resolve({}) });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

let n = 0;
function write(bytes: Uint8Array): string {
  const file = path.join(dir, `export-${n++}.zip`);
  fs.writeFileSync(file, bytes);
  return file;
}

describe("format=zip: a CSV export with its proof", () => {
  it("holds the CSV exactly as format=csv writes it, the NDJSON with its proof line and a README; it verifies", async () => {
    const zip = await download("/api/v1/exports?format=zip&action=LOGIN_FAILED");
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(["README.txt", "events.csv", "events.ndjson"]);
    const csv = (await call(exportEvents, { key, path: "/api/v1/exports?format=csv&action=LOGIN_FAILED" })).text;
    expect(strFromU8(entries["events.csv"]!)).toBe(csv);
    const lines = strFromU8(entries["events.ndjson"]!).split("\n").filter(Boolean);
    expect(lines).toHaveLength(31);
    expect(Object.keys(JSON.parse(lines.at(-1)!))).toEqual(["vigil_export_proof"]);
    const v = await verifyFile(write(zip));
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, checked: 30, proven: { count: 30, unfiltered: false } });
  });

  it("fails naming the row when a CSV cell is changed, and when an event is taken out of the NDJSON", async () => {
    const entries = unzipSync(await download("/api/v1/exports?format=zip"));
    const csv = strFromU8(entries["events.csv"]!);
    const changed = csv.replace("z1@example.com", "z9@example.com");
    expect(changed).not.toBe(csv);
    const edited = await verifyFile(write(zipSync({ ...entries, "events.csv": strToU8(changed) })));
    expect(edited.ok).toBe(false);
    expect(edited.problems.join("\n")).toMatch(/events\.csv: row 2 \(seq 2\) is not that event of events\.ndjson: the CSV was changed/);
    const lines = strFromU8(entries["events.ndjson"]!).split("\n").filter(Boolean);
    const cut = await verifyFile(write(zipSync({ ...entries, "events.ndjson": strToU8(lines.filter((_, i) => i !== 10).map((l) => l + "\n").join("")) })));
    expect(cut.ok).toBe(false);
    expect(cut.problems.join("\n")).toMatch(/events\.ndjson: proof/);
    const added = await verifyFile(write(zipSync({ ...entries, "events.csv": strToU8(csv + csv.split("\r\n")[1] + "\r\n") })));
    expect(added.problems.join("\n")).toMatch(/byte\(s\) after the last proven event: rows were added/);
  });

  it("vigil verify export.zip exits 0, and 2 with one line for a file that is not a ZIP", async () => {
    const good = write(await download("/api/v1/exports?format=zip"));
    const run = (file: string) => spawnSync(process.execPath, [path.resolve("bin/vigil.js"), "verify", file], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    const ok = run(good);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 12\d event\(s\) checked/);
    expect(ok.stdout).toMatch(/every event of org .* proven against its signed tree head/);
    const notZip = path.join(dir, "not.zip");
    fs.writeFileSync(notZip, "hello");
    const bad = run(notZip);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/FAILED[\s\S]*not a ZIP this verifier can read/);
  }, 60_000);
});
