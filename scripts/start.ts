/**
 * `npm start`: the whole of Vigil on one machine. Starts the embedded PostgreSQL when no
 * DATABASE_URL is set, migrates, seeds the demo organization (or the bootstrap one) on a
 * database with none, builds the app when the build is missing or older than the sources,
 * and serves it (scripts/serve.mjs: `next start` that records the socket's client address).
 */
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { env, EnvError } from "@/lib/env";
import { connectDatabase, prepareDatabase } from "@/server/bootstrap";
import { EmbeddedDatabaseError } from "@/lib/db/embedded";
import { closePool, pool } from "@/lib/db/pool";
import { witnessesSettled } from "@/lib/integrity/http-witness";
import { createOrganization } from "@/lib/orgs/create-org";
import { seedDemo } from "@/lib/seed/demo";
import { announcement, credentialsFile, keepCredentials, reminder, type DemoCredentials } from "@/lib/seed/demo-credentials";
import { needsBuild } from "./build-state";

const dev = process.argv.includes("--dev");
const log = (line: string) => console.log(`[vigil] ${line}`);

async function seedIfEmpty(dataDir: string, port: number): Promise<void> {
  const e = env();
  const { rows } = await pool().query<{ n: number }>("select count(*)::int as n from organizations");
  if (rows[0]!.n > 0) {
    const where = reminder(dataDir);
    if (where) log(where);
    return;
  }
  if (e.VIGIL_BOOTSTRAP_ORG) {
    if (!e.VIGIL_BOOTSTRAP_ADMIN_EMAIL || !e.VIGIL_BOOTSTRAP_ADMIN_PASSWORD) {
      throw new EnvError("VIGIL_BOOTSTRAP_ORG needs VIGIL_BOOTSTRAP_ADMIN_EMAIL and VIGIL_BOOTSTRAP_ADMIN_PASSWORD");
    }
    const created = await createOrganization({
      name: e.VIGIL_BOOTSTRAP_ORG,
      admin: { email: e.VIGIL_BOOTSTRAP_ADMIN_EMAIL, password: e.VIGIL_BOOTSTRAP_ADMIN_PASSWORD },
      apiKey: e.VIGIL_BOOTSTRAP_API_KEY,
    });
    log(`Created organization '${created.org.slug}' with owner ${e.VIGIL_BOOTSTRAP_ADMIN_EMAIL}.`);
    if (!e.VIGIL_BOOTSTRAP_API_KEY) log(`API key (shown once): ${created.apiKey.key}`);
    return;
  }
  log("Seeding the demo organization (tens of thousands of events over 13 months)…");
  const started = Date.now();
  const demo = await seedDemo({ password: e.VIGIL_DEMO_PASSWORD });
  const credentials: DemoCredentials = {
    org: demo.org.slug,
    email: "admin@company.com",
    password: demo.password,
    apiKey: demo.apiKey,
    people: demo.users,
  };
  log(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  for (const line of announcement(credentials, port, dataDir)) log(line);
  try {
    keepCredentials(dataDir, credentials);
  } catch (err) {
    log(`Could not keep them in ${credentialsFile(dataDir)} (${err instanceof Error ? err.message : String(err)}): note them now.`);
  }
}

let started: Awaited<ReturnType<typeof connectDatabase>> | undefined;

async function main(): Promise<void> {
  const e = env();
  const db = await connectDatabase(log);
  started = db;
  if (db.embedded) log(db.embedded.reused ? "Using the embedded PostgreSQL that was already running." : `Embedded PostgreSQL on 127.0.0.1:${e.VIGIL_DB_PORT} (data in ${e.VIGIL_DATA_DIR}/pg).`);
  await prepareDatabase(db.url, log);
  await seedIfEmpty(path.resolve(e.VIGIL_DATA_DIR), e.PORT);
  // The demo's signed heads go to the witnesses in the background: let them finish first.
  await witnessesSettled();
  await closePool();

  const nextBin = path.join("node_modules", ".bin", "next");
  const childEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: db.url, VIGIL_EXIT_WITH_PARENT: "1" };
  if (!dev && needsBuild()) {
    log("Building the app (next build)…");
    const build = spawnSync(nextBin, ["build"], { stdio: "inherit", env: childEnv });
    if (build.status !== 0) throw new Error("next build failed");
  }
  const host = process.env.HOST ?? "127.0.0.1";
  log(`Serving Vigil on http://localhost:${e.PORT}`);
  const server = spawn(process.execPath, ["scripts/serve.mjs", dev ? "dev" : "start", host, String(e.PORT)], { stdio: "inherit", env: childEnv });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server.kill("SIGTERM");
    // A server orphaned by an earlier run was adopted: it stops with this one.
    if (db.embedded) await db.embedded.stop().catch(() => {});
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  server.on("exit", (code) => void stop(code ?? 0));
}

main().catch(async (err) => {
  if (err instanceof EnvError || err instanceof EmbeddedDatabaseError) {
    console.error(`[vigil] ${err.message}`);
  } else {
    console.error("[vigil] Could not start:", err instanceof Error ? err.message : err);
  }
  // Leave no database behind a failed start.
  await started?.embedded?.stop().catch(() => {});
  process.exit(1);
});
