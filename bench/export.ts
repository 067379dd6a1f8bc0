/**
 * Export speed and memory (issue: reports). Seeds EVENTS events into one org, serves the
 * app, and streams `GET /api/v1/exports?format=ndjson` for about 100k rows (a date range)
 * and for all rows, reading the stream as a client would. Records rows/s and the server's
 * peak resident memory (VmHWM) before and after each export: a flat profile means the
 * peak barely moves between 100k and 1M rows.
 *
 *   npx tsx bench/export.ts [--events 1000000]
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { closePool, pool } from "@/lib/db/pool";
import { benchDatabase, heavyTenant, round, startApp, runBenchmark } from "./harness";

const { values } = parseArgs({ options: { events: { type: "string", default: "1000000" }, port: { type: "string", default: "3303" } } });
const EVENTS = Number(values.events);
const PORT = Number(values.port);

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: round(kb("VmRSS") / 1024), peak: round(kb("VmHWM") / 1024) };
}

async function main(): Promise<void> {
  const bench = await benchDatabase();
  try {
    const tenant = await heavyTenant(EVENTS);
    const org = { org: { id: tenant.orgId }, apiKey: { key: tenant.key } };
    if (tenant.seedSeconds !== null) console.error(`seeded ${EVENTS} in ${tenant.seedSeconds} s`);
    // A date range holding about 100k rows.
    const { rows } = await pool().query<{ at: Date }>(
      "select occurred_at as at from audit_events where org_id = $1 order by occurred_at desc offset 100000 limit 1", [org.org.id],
    );
    const since = rows[0]!.at;
    await closePool();
    const app = await startApp(bench.url, PORT);
    try {
      const results: Array<{ export: string; rows: number; seconds: number; rows_per_s: number; mb: number; server_rss_mb: number; server_peak_rss_mb: number }> = [];
      const before = memoryMb(app.pid!);
      console.error(`server before: rss ${before.rss} MB, peak ${before.peak} MB`);
      for (const [name, query] of [["~100k rows (date range)", `from=${since.toISOString()}`], ["all rows", ""]] as const) {
        const t = performance.now();
        const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/exports?format=ndjson&reason=benchmark&${query}`, { headers: { authorization: `Bearer ${org.apiKey.key}` } });
        if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
        let lines = 0;
        let bytes = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          for (const b of chunk) if (b === 10) lines++;
        }
        const seconds = (performance.now() - t) / 1000;
        const mem = memoryMb(app.pid!);
        results.push({ export: name, rows: lines, seconds: round(seconds, 2), rows_per_s: Math.round(lines / seconds), mb: round(bytes / 1048576), server_rss_mb: mem.rss, server_peak_rss_mb: mem.peak });
        console.error(`${name}: ${lines} rows in ${round(seconds, 2)} s = ${Math.round(lines / seconds)}/s, server peak RSS ${mem.peak} MB`);
      }
      console.log(JSON.stringify({ when: new Date().toISOString(), events: tenant.events, server_before: before, exports: results }, null, 2));
    } finally {
      app.kill("SIGTERM");
    }
  } finally {
    await closePool().catch(() => {});
    await bench.stop();
  }
}

runBenchmark(main);
