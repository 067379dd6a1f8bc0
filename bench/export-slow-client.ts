/**
 * Export backpressure (issue 4): serves the app over the heavy tenant and reads
 * `GET /api/v1/exports?format=ndjson` slowly (one read every 20 ms) for 25 s, printing the
 * server's resident memory every 5 s. A server that queued the export for a slow reader would
 * grow by the difference between what it writes and what the client takes; it must stay flat.
 *
 *   [BENCH_DATA_DIR=… BENCH_DB_PORT=…] npx tsx bench/export-slow-client.ts
 */
import fs from "node:fs";
import { benchDatabase, heavyTenant, startApp } from "./harness";
import { closePool } from "@/lib/db/pool";
const bench = await benchDatabase();
const t = await heavyTenant(Number(process.env.BENCH_EVENTS ?? 1_000_000));
await closePool();
const app = await startApp(bench.url, 3399);
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${app.pid}/status`, "utf8"))![1]) / 1024);
try {
  const res = await fetch("http://127.0.0.1:3399/api/v1/exports?format=ndjson&reason=slow", { headers: { authorization: `Bearer ${t.key}` } });
  const reader = res.body!.getReader();
  let bytes = 0;
  const start = Date.now();
  let lastPrint = 0;
  while (Date.now() - start < 25_000) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    await new Promise((r) => setTimeout(r, 20)); // a slow client: ~50 reads/s
    if (Date.now() - lastPrint > 5000) { lastPrint = Date.now(); console.log(`t=${Math.round((Date.now() - start) / 1000)}s read ${Math.round(bytes / 1048576)} MB, server rss ${rss()} MB`); }
  }
  await reader.cancel();
} finally {
  app.kill("SIGTERM");
  await bench.stop();
}
process.exit(0);
