import pg from "pg";
import { env } from "@/lib/env";

/**
 * One pg pool per process. Hot paths (ingest, search, export) use SQL through it; the
 * Prisma client shares the same database through its driver adapter.
 */

// BIGINT (seq) fits a JS number for any realistic chain (2^53 events); parse it as one.
pg.types.setTypeParser(20, (v) => Number(v));

const globalForPool = globalThis as unknown as { vigilPool?: pg.Pool };

export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: start Vigil with `npm start`, which provides the embedded database.");
  }
  return url;
}

export function pool(): pg.Pool {
  if (!globalForPool.vigilPool) {
    globalForPool.vigilPool = new pg.Pool({
      connectionString: databaseUrl(),
      max: env().DB_POOL_MAX,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
    });
    // An idle client that loses its server (database restart) must not crash the process.
    globalForPool.vigilPool.on("error", () => {});
    // Nor may a checked-out one between two queries (a transaction while it hashes, a job's
    // lock connection): pg emits the loss as an 'error' event, which with no listener is an
    // uncaught exception. The client stops being queryable, so its next query fails (503)
    // and the pool discards it on release.
    globalForPool.vigilPool.on("connect", (client) => client.on("error", () => {}));
  }
  return globalForPool.vigilPool;
}

export async function closePool(): Promise<void> {
  const p = globalForPool.vigilPool;
  globalForPool.vigilPool = undefined;
  if (p) await p.end();
}

/** Runs fn in one transaction on one client; `begin` may set the isolation level. */
export async function withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>, begin = "begin"): Promise<T> {
  const client = await pool().connect();
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
