/**
 * What the fault tests (tests/integration/faults-*.test.ts) share: a PostgreSQL of their
 * own that they may stop, crash and start again; the production build served by
 * scripts/serve.mjs as a child process they may SIGKILL; and clients that ingest with
 * idempotency keys and retry until acknowledged, the way an integrator's SDK would.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { startEmbedded, stopPid, type EmbeddedHandle } from "@/lib/db/embedded";
import { prepareDatabase } from "@/server/bootstrap";
import { closePool, pool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { verifyOrgChain } from "@/lib/integrity/verify";
import { needsBuild } from "@/scripts/build-state";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A durable embedded PostgreSQL (fsync and synchronous commit on, as in production) in a
 * folder of its own, so a test can stop it, crash it and start it again on the same data.
 */
export class FaultDatabase {
  private handle: EmbeddedHandle | undefined;
  private constructor(readonly dir: string, readonly port: number) {}

  static async start(): Promise<FaultDatabase> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-faults-"));
    const db = new FaultDatabase(dir, await freePort());
    await db.up();
    return db;
  }

  get url(): string {
    return this.handle!.url;
  }

  get pid(): number {
    const pid = this.handle?.pid;
    if (!pid) throw new Error("PostgreSQL is not running");
    return pid;
  }

  /** Starts the server on the same data and port (after a crash: PostgreSQL's own recovery). */
  async up(): Promise<void> {
    this.handle = await startEmbedded({ dataDir: this.dir, port: this.port, persistent: true });
  }

  /** A clean stop: PostgreSQL's fast shutdown (SIGINT) ends every session and checkpoints. */
  async stop(): Promise<void> {
    await stopPid(this.pid);
    this.handle = undefined;
  }

  /** A crash: immediate shutdown (SIGQUIT), no checkpoint; the next start replays the WAL. */
  async crash(): Promise<void> {
    const pid = this.pid;
    process.kill(pid, "SIGQUIT");
    await waitUntil("PostgreSQL to exit", () => !alive(pid), 15_000);
    this.handle = undefined;
  }

  async destroy(): Promise<void> {
    if (this.handle?.pid) await stopPid(this.handle.pid).catch(() => {});
    this.handle = undefined;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Points this test process (pool, env) at another database, migrated and ready;
 * returns the function that points it back.
 */
export async function useDatabase(url: string): Promise<() => Promise<void>> {
  const previous = process.env.DATABASE_URL;
  await closePool();
  process.env.DATABASE_URL = url;
  resetEnvCache();
  await prepareDatabase(url);
  return async () => {
    await closePool().catch(() => {});
    process.env.DATABASE_URL = previous;
    resetEnvCache();
  };
}

const BUILD_LOCK = path.join(os.tmpdir(), `vigil-build-${Buffer.from(path.resolve(process.env.NEXT_DIST_DIR ?? ".next")).toString("base64url").slice(-40)}.lock`);

/**
 * `next build` into NEXT_DIST_DIR (default .next, the folder Playwright's server uses too)
 * when there is no build or a source is newer. Two test files may ask at once: a lock
 * folder lets one build while the other waits.
 */
export async function ensureAppBuilt(): Promise<void> {
  const owner = path.join(BUILD_LOCK, "pid");
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch {
      // A lock whose process is gone was left by a killed run.
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(owner, "utf8"));
      } catch {
        // not written yet, or the lock just went away
      }
      const age = Date.now() - (fs.statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if ((pid > 0 && !alive(pid)) || (!pid && age > 10_000)) fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    if (!needsBuild()) return;
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      // Vitest sets NODE_ENV=test; a build (and a server) made under it would not be production's.
      const env = { ...process.env, NODE_ENV: "production" as const, NEXT_TELEMETRY_DISABLED: "1" };
      const build = spawn("node_modules/.bin/next", ["build"], { env, stdio: ["ignore", "pipe", "pipe"] });
      build.stdout.on("data", (d: Buffer) => output.push(d.toString()));
      build.stderr.on("data", (d: Buffer) => output.push(d.toString()));
      build.on("exit", resolve);
    });
    if (code !== 0) throw new Error(`next build failed:\n${output.join("").slice(-4000)}`);
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** The built app served by scripts/serve.mjs (as `npm start` does), in a child process. */
export class AppProcess {
  private child: ChildProcess | undefined;
  /** The server's output, kept to explain a failure and to look for unexpected errors. */
  readonly log: string[] = [];
  private constructor(readonly port: number, private readonly env: Record<string, string>) {}

  static async start(databaseUrl: string, env: Record<string, string> = {}): Promise<AppProcess> {
    const app = new AppProcess(await freePort(), {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: "faults-auth-secret-0123456789abcdef",
      CRON_SECRET: "faults-cron-secret-0123456789abcdef",
      // Scheduled jobs would add Vigil's own events to the chains the test counts.
      VIGIL_SCHEDULER: "off",
      VIGIL_API_RATE: "1000000",
      VIGIL_API_BURST: "1000000",
      DB_POOL_MAX: "10",
      ...env,
    });
    await app.up();
    return app;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async up(): Promise<void> {
    const child = spawn(process.execPath, ["scripts/serve.mjs", "start", "127.0.0.1", String(this.port)], {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer) => {
      this.log.push(d.toString());
      if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    await waitUntil("the app to answer /api/health", async () => {
      if (gone) throw new Error(`the app exited while starting:\n${this.log.join("").slice(-3000)}`);
      try {
        const r = await fetch(`${this.baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
        return r.ok;
      } catch {
        return false;
      }
    }, 90_000, 200);
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests are cut off mid-way. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
    this.child = undefined;
  }

  /**
   * Lines where the app logged an unexpected error (answered with a 500) or Next.js caught
   * an exception or rejection nothing handled (a plain Node process would have died of it).
   */
  unexpectedErrors(): string[] {
    return this.log.join("").split("\n").filter((l) => /\[vigil\] unexpected error|uncaughtException|unhandledRejection/.test(l));
  }
}

/** How a client saw one request. */
export interface Attempt {
  status: number | "timeout" | "network";
  ms: number;
  retryAfter: string | null;
  errorCode?: string;
}

export interface IngestItem {
  action: string;
  idempotency_key: string;
  [field: string]: unknown;
}

/**
 * An integrator's client: sends a request with its idempotency keys and, until the request
 * is acknowledged (2xx), retries the same body after a 503, a timeout or a dropped
 * connection. Each attempt is bounded, so a hanging server shows up as "timeout".
 */
export class IngestClient {
  readonly attempts: Attempt[] = [];
  /** Idempotency key → event id, as acknowledged. */
  readonly acknowledged = new Map<string, string>();
  /** Every key this client sent, acknowledged or not yet. */
  readonly sent = new Set<string>();
  inFlight = 0;
  /** Acknowledged items answered `duplicate`: retries of a request that had committed unanswered. */
  duplicates = 0;
  problems: string[] = [];

  constructor(
    readonly name: string,
    readonly apiKey: string,
    private readonly baseUrl: () => string,
    private readonly opts: { requestTimeoutMs: number; retryDelayMs: number; giveUpAfterMs: number },
  ) {}

  async send(items: IngestItem[]): Promise<void> {
    for (const item of items) this.sent.add(item.idempotency_key);
    const body = JSON.stringify(items.length === 1 ? items[0] : { events: items });
    const deadline = Date.now() + this.opts.giveUpAfterMs;
    while (Date.now() < deadline) {
      const started = Date.now();
      this.inFlight++;
      let attempt: Attempt;
      let json: { data?: Array<{ id: string; status: string }> } | undefined;
      try {
        const res = await fetch(`${this.baseUrl()}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
        });
        const text = await res.text();
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        attempt = { status: res.status, ms: Date.now() - started, retryAfter: res.headers.get("retry-after"), errorCode: (json as { error?: { code?: string } } | undefined)?.error?.code };
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        attempt = { status: timedOut ? "timeout" : "network", ms: Date.now() - started, retryAfter: null };
      } finally {
        this.inFlight--;
      }
      this.attempts.push(attempt);
      if (typeof attempt.status === "number" && attempt.status >= 200 && attempt.status < 300) {
        const data = json?.data ?? [];
        if (data.length !== items.length) this.problems.push(`${this.name}: ${data.length} results for ${items.length} items`);
        data.forEach((r, i) => {
          const key = items[i]!.idempotency_key;
          if (r.status !== "created" && r.status !== "duplicate") this.problems.push(`${key}: status ${r.status}`);
          if (r.status === "duplicate") this.duplicates++;
          const before = this.acknowledged.get(key);
          if (before && before !== r.id) this.problems.push(`${key}: acknowledged as ${before}, then as ${r.id}`);
          this.acknowledged.set(key, r.id);
        });
        return;
      }
      await sleep(this.opts.retryDelayMs);
    }
    this.problems.push(`${this.name}: a request was not acknowledged within ${this.opts.giveUpAfterMs} ms`);
  }

  statuses(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const a of this.attempts) counts[String(a.status)] = (counts[String(a.status)] ?? 0) + 1;
    return counts;
  }
}

/** A mix of singles and batches, each item with its own idempotency key. */
export function nextRequest(client: string, n: number, batchSize: number): IngestItem[] {
  const size = n % 3 === 0 ? 1 : batchSize;
  return Array.from({ length: size }, (_, i) => ({
    action: "RECORD_UPDATED",
    idempotency_key: `${client}-${n}-${i}`,
    actor: { type: "user", email: `${client}@company.com` },
    targets: [{ type: "record", id: `${n}-${i}` }],
    metadata: { client, request: n, item: i },
  }));
}

export interface StoredChain {
  count: number;
  headSeq: number;
  /** Idempotency key → event id, from the database. */
  byKey: Map<string, string>;
  keysStoredTwice: string[];
  seqContiguous: boolean;
  verified: boolean;
  problems: string[];
}

/** What the org's chain holds, read back from the database, and whether it verifies. */
export async function storedChain(orgId: string): Promise<StoredChain> {
  const { rows } = await pool().query<{ seq: number; id: string; idempotency_key: string | null }>(
    "select seq, id, idempotency_key from audit_events where org_id = $1 order by seq",
    [orgId],
  );
  const byKey = new Map<string, string>();
  const twice: string[] = [];
  for (const r of rows) {
    if (r.idempotency_key === null) continue;
    if (byKey.has(r.idempotency_key)) twice.push(r.idempotency_key);
    byKey.set(r.idempotency_key, r.id);
  }
  const head = await pool().query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
  const headSeq = Number(head.rows[0]?.seq ?? 0);
  const verification = await verifyOrgChain(orgId);
  return {
    count: rows.length,
    headSeq,
    byKey,
    keysStoredTwice: twice,
    seqContiguous: rows.every((r, i) => Number(r.seq) === i + 1) && rows.length === headSeq,
    verified: verification.ok,
    problems: verification.problems,
  };
}
