import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { resolveMembership } from "@/lib/auth/membership";
import { ingestEvents } from "@/lib/events/ingest";
import { createConsoleApiKey, listApiKeys } from "@/lib/console/api-keys";
import { actorOf } from "@/lib/console/rules";
import { announcement, credentialsFile, keepCredentials, reminder, type DemoCredentials } from "@/lib/seed/demo-credentials";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * docs/security.md, findings 11 and 13: secrets are printed once, when made; keys say who made
 * them; the CLI reads a file URL and answers an unreadable file with one line and exit code 2.
 */

function vigil(args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve("bin/vigil.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: inject("databaseUrl") },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const demo: DemoCredentials = {
  org: "demo", email: "admin@company.com", password: "pw-9f8e7d6c5b4a", apiKey: "vgl_secretsecretsecretsecretsecret",
  people: [{ email: "admin@company.com", role: "admin" }],
};

describe("secrets are shown once", () => {
  it("keeps the demo credentials in a folder it makes (DATABASE_URL mode), readable only by the owner, and later starts print where, not what", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-data-"));
    const dataDir = path.join(root, "not", "made", "yet");
    keepCredentials(dataDir, demo);
    const file = credentialsFile(dataDir);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(demo);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const first = announcement(demo, 3000, dataDir).join("\n");
    expect(first).toContain(demo.password);
    expect(first).toContain(demo.apiKey);
    const later = reminder(dataDir)!;
    expect(later).toContain("demo-credentials.json");
    expect(later).not.toContain(demo.password);
    expect(later).not.toContain(demo.apiKey);
    expect(reminder(path.join(root, "elsewhere"))).toBeUndefined();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("records who made each API key, and the keys list shows it", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const m = await resolveMembership(user.id, orgId);
    const actor = actorOf({ ...m!, actor: { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.1", userAgent: null } });
    const made = await createConsoleApiKey(orgId, actor, { name: "Backend", scopes: ["events:write"] });
    const listed = (await listApiKeys(orgId)).find((k) => k.id === made.id);
    expect(listed?.createdBy).toBe(`${user.name} <${user.email}>`);
    expect(JSON.stringify(await listApiKeys(orgId))).not.toContain(made.key);
  });
});

describe("vigil verify and restore read what they are given, or say in one line why not", () => {
  it("accepts a file:// URL", async () => {
    const { org, apiKey } = await newOrg();
    await ingestEvents(org.id, [{ action: "LOGIN_SUCCESS" }, { action: "LOGIN_FAILED", status: "failed" }]);
    const res = await call(exportEvents, { key: apiKey.key, path: "/api/v1/exports?format=ndjson" });
    expect(res.status).toBe(200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-verify-"));
    const file = path.join(dir, "export with space.ndjson");
    fs.writeFileSync(file, res.text);
    const r = vigil(["verify", pathToFileURL(file).href]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK: 2 event\(s\) checked/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it.each([
    ["a missing file", () => "missing-file-nobody-made.ndjson", /cannot read .*missing-file-nobody-made\.ndjson: no such file/],
    ["a missing file URL", () => "file:///no/such/segment.ndjson.gz", /cannot read \/no\/such\/segment\.ndjson\.gz: no such file/],
    ["a corrupt gzip", () => {
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vigil-gz-")), "seg.ndjson.gz");
      fs.writeFileSync(f, zlib.gzipSync("{}\n").subarray(0, 12));
      return f;
    }, /cannot read .*seg\.ndjson\.gz: /],
  ])("answers %s with one line and exit code 2", (_what, arg, message) => {
    checkOneLine(arg, message, ["verify", "restore"]);
  }, 120_000);

  it("restore answers a folder with one line and exit code 2; verify takes it as a folder of segments and says it holds none", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-empty-"));
    checkOneLine(() => empty, /is a folder, not a file/, ["restore"]);
    const r = vigil(["verify", empty]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAILED: 0 segment\(s\)[\s\S]*the folder holds no segment/);
    fs.rmSync(empty, { recursive: true, force: true });
  }, 120_000);

  function checkOneLine(arg: () => string, message: RegExp, commands: string[]): void {
    for (const command of commands) {
      const r = vigil([command, arg()]);
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split("\n"), command).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
    }
  }
});
