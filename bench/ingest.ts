/**
 * Ingest benchmark (issue: foundation). One command, one database, one run:
 *   1. a warm table: WARM events already stored (seeded through the chain);
 *   2. raw COPY of N events (rows prepared beforehand, hashes included) into the same
 *      table and indexes — the baseline;
 *   3. the same N event bodies POSTed to `next start` in batches of 500 by CLIENTS
 *      concurrent clients — the ratio to COPY is the figure;
 *   4. SINGLES single-event requests at CONCURRENCY in flight: rate, p50, p99.
 *
 * COPY and HTTP rounds alternate (ROUNDS of each), so both see the same machine.
 *
 *   npx tsx bench/ingest.ts [--events 50000] [--warm 200000] [--rounds 3] [--clients 4] [--singles 5000] [--concurrency 32]
 */
import { parseArgs } from "node:util";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { from as copyFrom } from "pg-copy-streams";
import { uuidv7 } from "uuidv7";
import { pool, closePool } from "@/lib/db/pool";
import { createOrganization } from "@/lib/orgs/create-org";
import { generateDrafts } from "@/lib/seed/generate";
import { seedEvents } from "@/lib/seed/generate";
import { toDraft, searchTextOf } from "@/lib/events/record";
import { ensurePartitions } from "@/lib/events/partitions";
import { GENESIS_HASH, contentHash, linkHash } from "@/lib/integrity/chain";
import { benchDatabase, pooled, round, startApp, summarize, runBenchmark } from "./harness";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "50000" },
    warm: { type: "string", default: "200000" },
    clients: { type: "string", default: "4" },
    singles: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "32" },
    port: { type: "string", default: "3300" },
    rounds: { type: "string", default: "3" },
  },
});
const N = Number(values.events);
const WARM = Number(values.warm);
const CLIENTS = Number(values.clients);
const SINGLES = Number(values.singles);
const CONCURRENCY = Number(values.concurrency);
const PORT = Number(values.port);
const ROUNDS = Number(values.rounds);
const BATCH = 500;

const COPY_COLUMNS = "id, org_id, seq, occurred_at, received_at, action, category, status, severity, actor_type, actor_id, actor_email, actor_name, targets, ip, user_agent, location, request_id, reason, changes, metadata, source, idempotency_key, search_text, content_hash, prev_hash, hash";

function csv(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : String(v);
  return `"${s.replace(/"/g, '""')}"`;
}

/** Full rows for COPY, chained exactly as ingest would chain them. */
function copyRows(orgId: string, bodies: unknown[]): string[] {
  let prev = GENESIS_HASH;
  const now = new Date().toISOString();
  return bodies.map((body, i) => {
    const r = toDraft(body, "api");
    if (!r.ok) throw new Error("generator produced an invalid event");
    const d = r.draft;
    const id = uuidv7();
    const seq = i + 1;
    const ch = contentHash({ id, org_id: orgId, seq, ...d });
    const hash = linkHash(prev, ch);
    const row = [id, orgId, seq, d.occurred_at, now, d.action, d.category, d.status, d.severity, d.actor?.type, d.actor?.id,
      d.actor?.email, d.actor?.name, JSON.stringify(d.targets), d.context.ip, d.context.user_agent, d.context.location,
      d.context.request_id, d.reason, JSON.stringify(d.changes), JSON.stringify(d.metadata), d.source, d.idempotency_key,
      searchTextOf(d), ch, prev, hash].map(csv).join(",");
    prev = hash;
    return row + "\n";
  });
}

async function copyRound(bodies: unknown[]): Promise<number> {
  const org = await createOrganization({ name: `Copy baseline ${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
  const rows = copyRows(org.org.id, bodies);
  const client = await pool().connect();
  try {
    const started = performance.now();
    await pipeline(Readable.from(rows, { objectMode: false }), client.query(copyFrom(`copy audit_events (${COPY_COLUMNS}) from stdin with (format csv)`)));
    return performance.now() - started;
  } finally {
    client.release();
  }
}

/** Orgs made by a run get slugs of their own, so runs can share a kept database (BENCH_DATA_DIR). */
const RUN = Date.now().toString(36);
const uniqueSlug = (name: string) => `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${RUN}`;

async function main(): Promise<void> {
  const bench = await benchDatabase();
  try {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 24 * 3600_000);
    const warmOrg = await createOrganization({ name: "Warm", slug: uniqueSlug("Warm") });
    console.error(`warming the table with ${WARM} events…`);
    await seedEvents(warmOrg.org.id, { count: WARM, from: new Date(to.getTime() - 395 * 24 * 3600_000), to, seed: 7 });
    const bodies = [...generateDrafts({ count: N, from, to, seed: 42 })];
    await ensurePartitions(pool(), bodies.map((b) => b.occurred_at));
    const httpOrgs = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => createOrganization({ name: `HTTP ${i + 1}`, slug: uniqueSlug(`HTTP ${i + 1}`) })));
    const singleOrg = await createOrganization({ name: "Singles", slug: uniqueSlug("Singles") });
    // The app is built and started first, so no build competes with a measurement.
    const app = await startApp(bench.url, PORT);
    try {
      const post = (key: string, body: unknown) =>
        fetch(`http://127.0.0.1:${PORT}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      await post(singleOrg.apiKey.key, { action: "API_CALL" });

      // COPY and HTTP rounds alternate, so both see the same machine.
      const rounds: Array<{ copy_rows_per_s: number; http_rows_per_s: number; ratio: number }> = [];
      const batchLatencies: number[] = [];
      let copyMsTotal = 0;
      let httpMsTotal = 0;
      for (let i = 0; i < ROUNDS; i++) {
        await pool().query("checkpoint");
        const copyMs = await copyRound(bodies);
        const key = httpOrgs[i]!.apiKey.key;
        const batches = Math.ceil(N / BATCH);
        let created = 0;
        const httpStart = performance.now();
        await pooled(batches, CLIENTS, async (b) => {
          const events = bodies.slice(b * BATCH, (b + 1) * BATCH);
          const t = performance.now();
          const res = await post(key, { events });
          const json = (await res.json()) as { summary?: { created: number } };
          batchLatencies.push(performance.now() - t);
          if (res.status !== 201) throw new Error(`batch ${b} answered ${res.status}`);
          created += json.summary!.created;
        });
        const httpMs = performance.now() - httpStart;
        if (created !== N) throw new Error(`created ${created} of ${N}`);
        copyMsTotal += copyMs;
        httpMsTotal += httpMs;
        const r = { copy_rows_per_s: Math.round(N / (copyMs / 1000)), http_rows_per_s: Math.round(N / (httpMs / 1000)), ratio: round(copyMs / httpMs, 2) };
        rounds.push(r);
        console.error(`round ${i + 1}: COPY ${r.copy_rows_per_s}/s, HTTP ${r.http_rows_per_s}/s, ratio ${r.ratio}`);
      }
      const batchStats = summarize(batchLatencies);

      // Single-event requests.
      const singleLatencies: number[] = [];
      let singleOk = 0;
      const singleStart = performance.now();
      await pooled(SINGLES, CONCURRENCY, async (i) => {
        const t = performance.now();
        const res = await post(singleOrg.apiKey.key, bodies[i % bodies.length]);
        await res.arrayBuffer();
        singleLatencies.push(performance.now() - t);
        if (res.status === 201) singleOk++;
      });
      const singleMs = performance.now() - singleStart;
      const singleStats = summarize(singleLatencies);

      const result = {
        when: new Date().toISOString(),
        events_per_round: N,
        rounds,
        warm_rows: WARM,
        copy_rows_per_s: Math.round((N * ROUNDS) / (copyMsTotal / 1000)),
        http_batch500_rows_per_s: Math.round((N * ROUNDS) / (httpMsTotal / 1000)),
        ratio_http_to_copy: round(copyMsTotal / httpMsTotal, 2),
        http_batch_latency_ms: { p50: round(batchStats.p50), p99: round(batchStats.p99) },
        clients: CLIENTS,
        singles: { requests: SINGLES, created: singleOk, concurrency: CONCURRENCY, per_s: Math.round(singleOk / (singleMs / 1000)), p50_ms: round(singleStats.p50), p99_ms: round(singleStats.p99) },
      };
      console.log(JSON.stringify(result, null, 2));
      console.log(`\nratio (HTTP batches of ${BATCH} / raw COPY, ${ROUNDS} alternating rounds): ${result.ratio_http_to_copy}`);
    } finally {
      app.kill("SIGTERM");
    }
  } finally {
    await closePool().catch(() => {});
    await bench.stop();
  }
}

runBenchmark(main);
