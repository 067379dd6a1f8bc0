/**
 * The server the browser tests run against: a throwaway embedded PostgreSQL seeded with
 * the demo organization, and `next start` on the given port (building first if needed).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { startEmbedded } from "@/lib/db/embedded";
import { resetEnvCache } from "@/lib/env";
import { prepareDatabase } from "@/server/bootstrap";
import { closePool } from "@/lib/db/pool";
import { witnessesSettled } from "@/lib/integrity/http-witness";
import { seedDemo } from "@/lib/seed/demo";
import { needsBuild } from "./build-state";

const port = Number(process.argv[2] ?? 3100);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-e2e-"));
const db = await startEmbedded({ dataDir: dir, port: 57000 + Math.floor(Math.random() * 2000), persistent: false });
process.env.DATABASE_URL = db.url;
resetEnvCache();
await prepareDatabase(db.url);
const demo = await seedDemo({ password: process.env.E2E_PASSWORD ?? "vigil-e2e-password" });
fs.writeFileSync(path.join(os.tmpdir(), `vigil-e2e-${port}.json`), JSON.stringify({ apiKey: demo.apiKey, password: demo.password, databaseUrl: db.url }), { mode: 0o600 });
await witnessesSettled();
await closePool();

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: db.url, AUTH_SECRET: "e2e-auth-secret-0123456789abcdef", CRON_SECRET: "e2e-cron-secret-0123456789abcdef", VIGIL_OUTBOUND_ALLOW: "127.0.0.1" };
if (needsBuild()) {
  const build = spawnSync("node_modules/.bin/next", ["build"], { stdio: "inherit", env });
  if (build.status !== 0) process.exit(1);
}
// The specs stand in for a proxy: they send X-Forwarded-For to act from several addresses.
const server = spawn(process.execPath, ["scripts/serve.mjs", "start", "127.0.0.1", String(port)], { stdio: "inherit", env: { ...env, VIGIL_TRUST_PROXY: "1" } });
const stop = async () => {
  server.kill("SIGTERM");
  await db.stop().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
server.on("exit", () => void stop());
