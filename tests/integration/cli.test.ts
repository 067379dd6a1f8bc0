import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { POST } from "@/app/api/v1/events/route";
import { call } from "@/tests/helpers/fixtures";

/** The `vigil` command as an operator runs it: a real process, the real database. */
function vigil(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.resolve("bin/vigil.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: inject("databaseUrl"), ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npx vigil", () => {
  it("org create --json prints exactly { org: { id, slug }, api_key }, and the key works", async () => {
    const slug = `cli-${Date.now().toString(36)}`;
    const r = vigil(["org", "create", "CLI Test Org", "--slug", slug, "--admin", "ops@cli.test", "--password", "a-long-password-1", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["api_key", "org"]);
    expect(Object.keys(out.org).sort()).toEqual(["id", "slug"]);
    expect(out.org.slug).toBe(slug);
    const res = await call(POST, { key: out.api_key, body: { action: "LOGIN_SUCCESS" } });
    expect(res.status).toBe(201);

    const key = vigil(["apikey", "create", "--org", slug, "--scopes", "events:read", "--json"]);
    expect(key.code).toBe(0);
    const apiKey = JSON.parse(key.stdout);
    expect(Object.keys(apiKey)).toEqual(["api_key"]);
    const denied = await call(POST, { key: apiKey.api_key, body: { action: "LOGIN_SUCCESS" } });
    expect(denied.status).toBe(403);

    const unknown = vigil(["apikey", "create", "--org", slug, "--scopes", "events:nuke"]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/unknown scope/);
  }, 180_000);

  it("seed --events N fills an org; verify checks an export offline and finds tampering", async () => {
    const slug = `cli-seed-${Date.now().toString(36)}`;
    const created = JSON.parse(vigil(["org", "create", "Seeded", "--slug", slug, "--json"]).stdout);
    const seeded = vigil(["seed", "--events", "300", "--org", slug]);
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/Seeded 300 events/);

    const res = await call(exportEvents, { key: created.api_key, path: "/api/v1/exports?format=ndjson" });
    expect(res.status).toBe(200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-cli-"));
    const file = path.join(dir, "export.ndjson");
    fs.writeFileSync(file, res.text);
    const ok = vigil(["verify", file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 300 event\(s\) checked/);

    const lines = res.text.trim().split("\n");
    const bad = JSON.parse(lines[100]!);
    bad.reason = "edited after the fact";
    lines[100] = JSON.stringify(bad);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const tampered = vigil(["verify", file]);
    expect(tampered.code).toBe(2);
    expect(tampered.stdout).toMatch(new RegExp(`content does not match content_hash at seq ${bad.seq}`));
    // verify needs no database at all
    const offline = vigil(["verify", file], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
    expect(offline.code).toBe(2);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it("explains a bad command instead of a stack trace", () => {
    const r = vigil(["frobnicate"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(vigil(["db", "url"]).stdout.trim()).toBe(inject("databaseUrl"));
  }, 60_000);
});
