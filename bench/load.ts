/**
 * Sustained load (issue: proof under stress). Serves the app with `next start` against a
 * throwaway database, then for a fixed time drives it with many concurrent clients — single
 * events and batches, spread over several orgs, each item with an idempotency key — and
 * afterwards proves that what is stored is exactly what was acknowledged:
 *
 *   - per org, the events in the database equal the items answered `created`, one for one
 *     (by idempotency key), with no extra and none missing;
 *   - every org's chain verifies from seq 1 to its head, with no gap;
 *   - no request answered 5xx.
 *
 * Throughput and p50/p99 latency per kind of request are printed as JSON. Exits 1 when any
 * check fails.
 *
 *   npx tsx bench/load.ts [--seconds 60] [--orgs 4] [--clients 24] [--batch 50] [--batch-share 0.3]
 */
import crypto from "node:crypto";
import { parseArgs } from "node:util";
import { closePool, pool } from "@/lib/db/pool";
import { createOrganization } from "@/lib/orgs/create-org";
import { verifyOrgChain } from "@/lib/integrity/verify";
import { benchDatabase, round, runBenchmark, startApp, summarize } from "./harness";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    orgs: { type: "string", default: "4" },
    clients: { type: "string", default: "24" },
    batch: { type: "string", default: "50" },
    "batch-share": { type: "string", default: "0.3" },
    port: { type: "string", default: "3305" },
  },
});
const SECONDS = Number(values.seconds);
const ORGS = Number(values.orgs);
const CLIENTS = Number(values.clients);
const BATCH = Number(values.batch);
const BATCH_SHARE = Number(values["batch-share"]);
const PORT = Number(values.port);

const ACTIONS = ["LOGIN_SUCCESS", "LOGIN_FAILED", "CONTACT_VIEWED", "CONTACT_UPDATED", "DEAL_CREATED", "API_CALL", "CONTACT_DELETED"];

function event(i: number, key: string): Record<string, unknown> {
  const action = ACTIONS[i % ACTIONS.length]!;
  return {
    action,
    status: action === "LOGIN_FAILED" ? "failed" : "success",
    actor: { type: "user", id: `user-${i % 97}`, email: `user${i % 97}@load.example`, name: `Load User ${i % 97}` },
    targets: [{ type: "contact", id: String(10_000 + (i % 5000)), name: `Contact ${i % 5000}` }],
    context: { ip: `198.51.100.${i % 250}`, user_agent: "Mozilla/5.0 (X11; Linux x86_64) LoadTest/1.0" },
    changes: action === "CONTACT_UPDATED" ? [{ field: "plan", before: "Free", after: "Premium" }] : undefined,
    metadata: { i, client: "bench/load.ts" },
    idempotency_key: key,
  };
}

interface OrgLoad {
  id: string;
  key: string;
  /** Idempotency keys the API answered `created` for. */
  created: Set<string>;
  duplicates: number;
}

interface Stats {
  latencies: { single: number[]; batch: number[] };
  requests: number;
  items: number;
  status: Map<number, number>;
  errors: string[];
}

async function client(n: number, orgs: OrgLoad[], deadline: number, stats: Stats): Promise<void> {
  let i = 0;
  while (Date.now() < deadline) {
    const org = orgs[(n + i) % orgs.length]!;
    const batch = Math.random() < BATCH_SHARE;
    const count = batch ? BATCH : 1;
    const keys = Array.from({ length: count }, () => `load-${crypto.randomUUID()}`);
    const body = batch ? { events: keys.map((k, j) => event(i * BATCH + j, k)) } : event(i, keys[0]!);
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${PORT}/api/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      stats.errors.push(`request failed: ${err instanceof Error ? err.message : String(err)}`);
      i++;
      continue;
    }
    const ms = performance.now() - started;
    stats.requests++;
    stats.status.set(res.status, (stats.status.get(res.status) ?? 0) + 1);
    const json = (await res.json().catch(() => null)) as { data?: Array<{ status: string }> } | null;
    if (res.status === 201 || res.status === 200) {
      (batch ? stats.latencies.batch : stats.latencies.single).push(ms);
      stats.items += count;
      json?.data?.forEach((r, j) => {
        if (r.status === "created") org.created.add(keys[j]!);
        else if (r.status === "duplicate") org.duplicates++;
        else stats.errors.push(`item answered ${r.status}`);
      });
    } else if (res.status >= 500) {
      stats.errors.push(`answered ${res.status}`);
    }
    i++;
  }
}

async function main(): Promise<void> {
  const bench = await benchDatabase();
  try {
    const orgs: OrgLoad[] = [];
    for (let o = 0; o < ORGS; o++) {
      const created = await createOrganization({ name: `Load tenant ${o + 1}` });
      orgs.push({ id: created.org.id, key: created.apiKey.key, created: new Set(), duplicates: 0 });
    }
    await closePool();
    const app = await startApp(bench.url, PORT);
    const stats: Stats = { latencies: { single: [], batch: [] }, requests: 0, items: 0, status: new Map(), errors: [] };
    let seconds = 0;
    try {
      console.error(`load: ${CLIENTS} clients, ${ORGS} orgs, ${SECONDS} s, batches of ${BATCH} for ${BATCH_SHARE * 100}% of requests`);
      const started = performance.now();
      const deadline = Date.now() + SECONDS * 1000;
      await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n, orgs, deadline, stats)));
      seconds = (performance.now() - started) / 1000;
    } finally {
      app.kill("SIGTERM");
    }

    // What is stored must be exactly what was acknowledged.
    const checks: Array<{ org: number; acknowledged: number; stored: number; missing: number; unacknowledged: number; chain_ok: boolean; head_seq: number; problems: string[] }> = [];
    for (const [o, org] of orgs.entries()) {
      const { rows } = await pool().query<{ idempotency_key: string }>("select idempotency_key from audit_events where org_id = $1 and source = 'api'", [org.id]);
      const stored = new Set(rows.map((r) => r.idempotency_key));
      const missing = [...org.created].filter((k) => !stored.has(k)).length;
      const unacknowledged = [...stored].filter((k) => !org.created.has(k)).length;
      const chain = await verifyOrgChain(org.id);
      const { rows: head } = await pool().query<{ n: number; max: number }>("select count(*)::int as n, coalesce(max(seq), 0)::int as max from audit_events where org_id = $1", [org.id]);
      checks.push({
        org: o + 1, acknowledged: org.created.size, stored: rows.length, missing, unacknowledged,
        chain_ok: chain.ok && head[0]!.n === head[0]!.max && chain.checked === head[0]!.n, head_seq: chain.head_seq, problems: chain.problems.slice(0, 3),
      });
    }
    const fivexx = [...stats.status.entries()].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    const ok = fivexx === 0 && stats.errors.length === 0 && checks.every((c) => c.missing === 0 && c.unacknowledged === 0 && c.stored === c.acknowledged && c.chain_ok);
    const single = summarize(stats.latencies.single);
    const batch = summarize(stats.latencies.batch);
    console.log(JSON.stringify({
      when: new Date().toISOString(),
      config: { seconds: SECONDS, orgs: ORGS, clients: CLIENTS, batch: BATCH, batch_share: BATCH_SHARE },
      requests: stats.requests,
      requests_per_s: round(stats.requests / seconds),
      events: stats.items,
      events_per_s: round(stats.items / seconds),
      status: Object.fromEntries(stats.status),
      latency_ms: {
        single: { count: stats.latencies.single.length, p50: round(single.p50), p99: round(single.p99), max: round(single.max) },
        batch: { count: stats.latencies.batch.length, p50: round(batch.p50), p99: round(batch.p99), max: round(batch.max) },
      },
      orgs: checks,
      errors: stats.errors.slice(0, 10),
      ok,
    }, null, 2));
    if (!ok) throw new Error("load: stored events differ from acknowledged ones, a chain failed, or a request failed (see above)");
  } finally {
    await closePool().catch(() => {});
    await bench.stop();
  }
}

runBenchmark(main);
