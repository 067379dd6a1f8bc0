/**
 * What every benchmark needs: a throwaway PostgreSQL with real durability (fsync and
 * synchronous commit on, as in production), the app served by `next start` against it, and
 * percentiles. Runs only on this machine's loopback.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { startEmbedded, type EmbeddedHandle } from "@/lib/db/embedded";
import { resetEnvCache } from "@/lib/env";
import { prepareDatabase } from "@/server/bootstrap";
import { needsBuild } from "../scripts/build-state";

export interface BenchDatabase {
  url: string;
  db: EmbeddedHandle;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A throwaway database, or with BENCH_DATA_DIR a kept one (created on first use, reused and
 * left running afterwards): the scale runs seed 10M events once and measure many times.
 */
export async function benchDatabase(): Promise<BenchDatabase> {
  const kept = process.env.BENCH_DATA_DIR;
  const dir = kept ? path.resolve(kept) : fs.mkdtempSync(path.join(os.tmpdir(), "vigil-bench-"));
  const port = kept ? Number(process.env.BENCH_DB_PORT ?? 57900) : 58000 + Math.floor(Math.random() * 1000);
  const db = await startEmbedded({ dataDir: dir, port, persistent: true });
  process.env.DATABASE_URL = db.url;
  resetEnvCache();
  await prepareDatabase(db.url);
  return {
    url: db.url,
    db,
    dir,
    stop: async () => {
      if (kept) return;
      await db.stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Tenant {
  orgId: string;
  slug: string;
  key: string;
  events: number;
  /** Seconds the seed took in this run; null when an earlier run's events were reused. */
  seedSeconds: number | null;
}

/**
 * The benchmarks' heavy tenant: "Heavy tenant" with `events` events over 13 months (seed 11),
 * and "Other tenant" with a tenth as many, so tenancy is real. In a kept database an earlier
 * run's tenant is reused when it holds at least `events`; each run gets a fresh API key.
 */
export async function heavyTenant(events: number): Promise<Tenant> {
  const { pool } = await import("@/lib/db/pool");
  const { createOrganization } = await import("@/lib/orgs/create-org");
  const { createApiKey } = await import("@/lib/auth/api-keys");
  const { seedEvents } = await import("@/lib/seed/generate");
  const { rows } = await pool().query<{ id: string; slug: string; n: number }>(
    "select o.id, o.slug, coalesce(h.seq, 0)::bigint as n from organizations o left join chain_heads h on h.org_id = o.id where o.slug = 'heavy-tenant'",
  );
  const found = rows[0];
  if (found && found.n >= events) {
    const key = await createApiKey(found.id, { name: `bench ${new Date().toISOString()}`, createdBy: { label: "benchmark harness" } });
    return { orgId: found.id, slug: found.slug, key: key.key, events: found.n, seedSeconds: null };
  }
  if (found) throw new Error(`heavy-tenant holds ${found.n} events, fewer than ${events}: use another BENCH_DATA_DIR`);
  const to = new Date();
  const from = new Date(to.getTime() - 395 * 24 * 3600_000);
  const heavy = await createOrganization({ name: "Heavy tenant", slug: "heavy-tenant" });
  const other = await createOrganization({ name: "Other tenant", slug: "other-tenant" });
  const started = Date.now();
  await seedEvents(heavy.org.id, {
    count: events, from, to, seed: 11,
    onProgress: (n) => { if (n % 500_000 < 5000) console.error(`  seeded ${n}`); },
  });
  const seedSeconds = round((Date.now() - started) / 1000);
  await seedEvents(other.org.id, { count: Math.max(1000, Math.round(events / 10)), from, to, seed: 12 });
  await pool().query("vacuum analyze audit_events");
  return { orgId: heavy.org.id, slug: heavy.org.slug, key: heavy.apiKey.key, events, seedSeconds };
}

export async function startApp(url: string, port: number, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: url,
    AUTH_SECRET: "bench-auth-secret-0123456789abcdef",
    CRON_SECRET: "bench-cron-secret-0123456789abcdef",
    VIGIL_API_RATE: "1000000",
    VIGIL_API_BURST: "1000000",
    DB_POOL_MAX: "10",
    ...extraEnv,
  };
  if (needsBuild()) {
    console.error("building the app (next build)…");
    const r = spawnSync("node_modules/.bin/next", ["build"], { stdio: "inherit", env });
    if (r.status !== 0) throw new Error("next build failed");
  }
  const child = spawn(process.execPath, ["scripts/serve.mjs", "start", "127.0.0.1", String(port)], { stdio: ["ignore", "ignore", "inherit"], env });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (r.ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGKILL");
  throw new Error("the app did not start");
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pooled<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Runs a benchmark's main and exits with its outcome (pools and servers must not keep it alive). */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
