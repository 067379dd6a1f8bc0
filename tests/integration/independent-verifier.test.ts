import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { ingestEvents } from "@/lib/events/ingest";
import { call, newOrg } from "@/tests/helpers/fixtures";

/**
 * docs/integrity.md's verifier for auditors (scripts/verify-export.mjs, plain Node with only
 * node:crypto) against real exports, so the documented rule and the code can't drift apart.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-independent-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function independent(text: string) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.ndjson`);
  fs.writeFileSync(file, text);
  // No Vigil code, no database, no network: only the script and Node.
  const r = spawnSync(process.execPath, [path.resolve("scripts/verify-export.mjs"), file], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" } });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("the independent verifier", () => {
  it("proves a full and a filtered export of awkward events, and refuses each kind of damage", async () => {
    const { org, apiKey } = await newOrg();
    const awkward = [
      { action: "LOGIN_FAILED", status: "failed", actor: { type: "user", email: "ana@exemplo.com.br", name: "Ana Conceição 🚀" }, context: { ip: "2001:DB8::1" } },
      { action: "CONTACT_UPDATED", metadata: { n: 1e21, small: 5e-7, neg: -0.5, nested: { "ü": [1, "two", null, true] }, "\u2028": "line sep" } },
      { action: "EXPORT_REQUESTED", category: "export", reason: "\"quoted\" \\ back\\slash\ttab", context: { ip: "::ffff:1.2.3.4" } },
    ];
    const bodies = Array.from({ length: 290 }, (_, i) => ({ ...awkward[i % 3]!, metadata: { ...(awkward[i % 3] as { metadata?: object }).metadata, i } }));
    const results = await ingestEvents(org.id, bodies);
    expect(results.filter((r) => r.status !== "created")).toEqual([]);

    const full = await call(exportEvents, { key: apiKey.key, path: "/api/v1/exports?format=ndjson" });
    expect(independent(full.text)).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^OK: 290 event\\(s\\) proven in org ${org.id}'s log of size 290`)) });
    const filtered = await call(exportEvents, { key: apiKey.key, path: "/api/v1/exports?format=ndjson&action=LOGIN_FAILED" });
    expect(independent(filtered.text)).toEqual({ code: 0, out: expect.stringMatching(/^OK: 97 event\(s\) proven in org .* of size 291 /) });

    const lines = full.text.split("\n").filter(Boolean);
    const damaged: Array<[string, string[], RegExp]> = [
      ["an event removed", [...lines.slice(0, 100), ...lines.slice(101)], /the file holds 289/],
      ["the tail cut", [...lines.slice(0, 270), lines.at(-1)!], /the file holds 270/],
      ["the proof line gone", lines.slice(0, -1), /does not end with a proof line/],
      ["an event altered", lines.map((l, i) => (i === 3 ? l.replace("Ana", "Ann") : l)), /content does not match content_hash at seq 4/],
      ["the statement altered", [...lines.slice(0, -1), lines.at(-1)!.replace(`"tree_size":290`, `"tree_size":291`)], /statement's signature does not verify/],
    ];
    for (const [what, l, message] of damaged) {
      const r = independent(l.join("\n") + "\n");
      expect(r.code, what).toBe(2);
      expect(r.out, what).toMatch(message);
    }
  }, 60_000);
});
