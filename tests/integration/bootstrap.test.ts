import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { env, resetEnvCache } from "@/lib/env";
import { connectDatabase } from "@/server/bootstrap";

/**
 * A first `npm start` with DATABASE_URL (no embedded database) and no AUTH_SECRET once
 * answered every sign-in with next-auth's NO_SECRET error: the secrets were made only for the
 * embedded database. They are now made once into the data folder whichever database is used.
 */

const KEYS = ["DATABASE_URL", "AUTH_SECRET", "CRON_SECRET", "VIGIL_DATA_DIR"] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));

afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetEnvCache();
});

function start(dataDir: string): void {
  process.env.DATABASE_URL = inject("databaseUrl");
  process.env.VIGIL_DATA_DIR = dataDir;
  resetEnvCache();
}

describe("connectDatabase with DATABASE_URL", () => {
  it("makes the session and cron secrets once, into the data folder (mode 600), and keeps them across starts", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-boot-"));
    delete process.env.AUTH_SECRET;
    delete process.env.CRON_SECRET;
    start(dir);
    const db = await connectDatabase();
    expect(db.embedded).toBeUndefined();
    expect(db.url).toBe(inject("databaseUrl"));
    const first = { auth: env().AUTH_SECRET, cron: env().CRON_SECRET };
    expect(first.auth?.length).toBeGreaterThanOrEqual(32);
    expect(first.cron?.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    // A restart (a new process: nothing in the environment) gets the same secrets, so sessions survive it.
    delete process.env.AUTH_SECRET;
    delete process.env.CRON_SECRET;
    start(dir);
    await connectDatabase();
    expect({ auth: env().AUTH_SECRET, cron: env().CRON_SECRET }).toEqual(first);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("leaves secrets the operator gave alone, and writes no file for them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-boot-"));
    process.env.AUTH_SECRET = "given-auth-secret-0123456789abcdef";
    process.env.CRON_SECRET = "given-cron-secret-0123456789abcdef";
    start(dir);
    await connectDatabase();
    expect(env().AUTH_SECRET).toBe("given-auth-secret-0123456789abcdef");
    expect(env().CRON_SECRET).toBe("given-cron-secret-0123456789abcdef");
    expect(fs.existsSync(path.join(dir, "secrets.json"))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
