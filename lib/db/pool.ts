import pg from "pg";
import { env } from "@/lib/env";

/**
 * Three pg pools per process, so that no kind of work can take another's connections:
 *
 * - `pool()`, the write pool: ingest, jobs, sign-in, API keys, the console's own writes, and
 *   every small lookup by key. Nothing a reader shapes runs here.
 * - `readPool()`: tenant-sized reads whose cost a reader controls (search, exports, reports,
 *   chain verification), on DATABASE_READ_URL when set; every statement on it is limited to
 *   VIGIL_READ_TIMEOUT_MS, and when it is full only readers wait (503), never ingest.
 * - `healthPool()`: two connections for /api/health, so readiness reflects the database, not a
 *   busy pool.
 *
 * The Prisma client keeps a small pool of its own (lib/db/prisma.ts) for tenancy tables.
 */

// BIGINT (seq) fits a JS number for any realistic chain (2^53 events); parse it as one.
pg.types.setTypeParser(20, (v) => Number(v));

type PoolKind = "write" | "read" | "health";

const globalForPool = globalThis as unknown as { vigilPools?: Partial<Record<PoolKind, pg.Pool>> };

export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: start Vigil with `npm start`, which provides the embedded database.");
  }
  return url;
}

function poolConfig(kind: PoolKind): pg.PoolConfig {
  const e = env();
  switch (kind) {
    case "write":
      return { connectionString: databaseUrl(), max: e.DB_POOL_MAX, connectionTimeoutMillis: 5000 };
    case "read":
      return {
        connectionString: e.DATABASE_READ_URL ?? databaseUrl(),
        max: e.DB_READ_POOL_MAX,
        // A reader waits for a connection of its own kind only briefly, then gets a 503.
        connectionTimeoutMillis: 5000,
        statement_timeout: e.VIGIL_READ_TIMEOUT_MS,
      };
    case "health":
      return { connectionString: databaseUrl(), max: 2, connectionTimeoutMillis: 2000, statement_timeout: 2000 };
  }
}

function poolOf(kind: PoolKind): pg.Pool {
  const pools = (globalForPool.vigilPools ??= {});
  let p = pools[kind];
  if (!p) {
    p = new pg.Pool({ idleTimeoutMillis: 30000, ...poolConfig(kind) });
    // An idle client that loses its server (database restart) must not crash the process.
    p.on("error", () => {});
    // Nor may a checked-out one between two queries (a transaction while it hashes, a job's
    // lock connection): pg emits the loss as an 'error' event, which with no listener is an
    // uncaught exception. The client stops being queryable, so its next query fails (503)
    // and the pool discards it on release.
    p.on("connect", (client) => client.on("error", () => {}));
    pools[kind] = p;
  }
  return p;
}

/** The write pool: ingest, jobs, sign-in and every small lookup. */
export function pool(): pg.Pool {
  return poolOf("write");
}

/** The read pool: search, exports, reports, chain verification; statements time out. */
export function readPool(): pg.Pool {
  return poolOf("read");
}

/** The health check's own two connections. */
export function healthPool(): pg.Pool {
  return poolOf("health");
}

export async function closePool(): Promise<void> {
  const pools = globalForPool.vigilPools ?? {};
  globalForPool.vigilPools = undefined;
  await Promise.all(Object.values(pools).map((p) => p.end()));
}

/** Runs fn in one transaction on one client; `begin` may set the isolation level. */
export async function withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>, begin = "begin", on: pg.Pool = pool()): Promise<T> {
  const client = await on.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Errors that mean the database is unreachable or restarting, not that the query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? "";
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03", "53300"].includes(code)) return true;
  if (code.startsWith("08")) return true;
  const msg = e.message ?? "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(msg);
}

/**
 * A statement stopped by its time limit (statement_timeout) or cancelled by Vigil (an export
 * idle past its limit): the query asked too much, the database is fine.
 */
export function isStatementTimeout(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "57014";
}

/** What a reader is told when a read hits its time limit: the fix is theirs to make. */
export const QUERY_TOO_EXPENSIVE_MESSAGE =
  "This read took longer than the time allowed for one query; narrow it (fewer or longer free-text terms, fewer wildcards, a shorter period) and try again";
