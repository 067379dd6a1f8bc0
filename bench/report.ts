/**
 * Report benchmark (issue 4): an org with EVENTS events over 13 months (plus a second org
 * a tenth its size), then
 *   1. the raw scan a report would need without rollups (30 days of buckets) — the baseline;
 *   2. building the rollups from nothing (refreshRollups), and a refresh with nothing new;
 *   3. GET /api/v1/reports/security?period=30d (JSON) RUNS times: p50/p95/p99, the route
 *      handler called in-process (auth, report, REPORT_DOWNLOADED recorded; no HTTP);
 *   4. the same report as PDF PDF_RUNS times (after the verify job has signed the head,
 *      as the hourly job does in production).
 *
 *   npx tsx bench/report.ts [--events 1000000] [--runs 200] [--pdf-runs 10]
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { pool, closePool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { verifyOrg } from "@/lib/integrity/verify-job";
import { refreshRollups, scanBuckets, readBuckets } from "@/lib/reports/rollups";
import { GET as securityReport } from "@/app/api/v1/reports/security/route";
import { benchDatabase, heavyTenant, round, summarize } from "./harness";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    runs: { type: "string", default: "200" },
    "pdf-runs": { type: "string", default: "10" },
  },
});
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const PDF_RUNS = Number(values["pdf-runs"]);
const DAY = 24 * 3600_000;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function main(): Promise<void> {
  process.env.VIGIL_API_RATE = "1000000";
  process.env.VIGIL_API_BURST = "1000000";
  resetEnvCache();
  const bench = await benchDatabase();
  try {
    const tenant = await heavyTenant(EVENTS);
    const heavy = { org: { id: tenant.orgId }, apiKey: { key: tenant.key } };
    const seedMs = (tenant.seedSeconds ?? NaN) * 1000;
    const orgId = heavy.org.id;
    const monthFrom = new Date(Date.now() - 30 * DAY);
    const { rows: [counts] } = await pool().query<{ n: string }>(
      "select count(*)::bigint as n from audit_events where org_id = $1 and occurred_at >= $2", [orgId, monthFrom],
    );

    // 1. The raw scan of 30 days, grouped like the rollups: what each report would cost without them.
    const scans: number[] = [];
    for (let i = 0; i < 5; i++) scans.push((await timed(() => scanBuckets(pool(), orgId, monthFrom, new Date())))[1]);

    // 2. Rollups from nothing, then with nothing new.
    const [built, buildMs] = await timed(() => refreshRollups(orgId));
    const [, noopMs] = await timed(() => refreshRollups(orgId));
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) reads.push((await timed(() => readBuckets(pool(), orgId, monthFrom, new Date())))[1]);
    const { rows: [rollupRows] } = await pool().query<{ n: string }>("select count(*)::bigint as n from event_hourly_rollups where org_id = $1", [orgId]);

    // 3. The JSON report through its route handler.
    const get = async (query: string) => {
      const req = new Request(`http://localhost/api/v1/reports/security?${query}`, { headers: { authorization: `Bearer ${heavy.apiKey.key}` } });
      const [res, ms] = await timed(async () => {
        const r = await securityReport(req, { params: Promise.resolve({}) });
        const body = Buffer.from(await r.arrayBuffer());
        if (r.status !== 200) throw new Error(`report answered ${r.status}: ${body.toString()}`);
        return body;
      });
      return { bytes: res.byteLength, ms };
    };
    for (let i = 0; i < 5; i++) await get("period=30d");
    const json: number[] = [];
    let jsonBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await get("period=30d");
      json.push(r.ms);
      jsonBytes = r.bytes;
    }
    const sample = JSON.parse((await (await securityReport(
      new Request("http://localhost/api/v1/reports/security?period=30d", { headers: { authorization: `Bearer ${heavy.apiKey.key}` } }),
      { params: Promise.resolve({}) },
    )).text()));

    // 4. The PDF, after the verify job has checked and signed the chain (as hourly in production).
    const [, verifyMs] = await timed(() => verifyOrg(orgId));
    const pdf: number[] = [];
    let pdfBytes = 0;
    for (let i = 0; i < PDF_RUNS; i++) {
      const r = await get("period=30d&format=pdf");
      pdf.push(r.ms);
      pdfBytes = r.bytes;
    }

    const j = summarize(json);
    const p = summarize(pdf);
    const scan = summarize(scans);
    const read = summarize(reads);
    const lines = [
      `Machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}; PostgreSQL embedded, fsync on. ${new Date().toISOString().slice(0, 10)}.`,
      "",
      `Org of ${tenant.events.toLocaleString("en-US")} events over 13 months (${Number(counts!.n).toLocaleString("en-US")} in the last 30 days), ${tenant.seedSeconds === null ? "seeded by an earlier run" : `seeded in ${round(seedMs / 1000)} s`}; a second org of a tenth its size.`,
      `30-day figures of the report: ${sample.failed_logins.total} failed logins, ${sample.exports.count} exports, ${sample.settings_changes.count} settings changes, ${sample.activity.total} events.`,
      "",
      "| what | p50 | p95 | p99 | max |",
      "|---|---|---|---|---|",
      `| raw scan of 30 days, grouped like the rollups (baseline, 5 runs) | ${round(scan.p50)} ms | ${round(scan.p95)} ms | — | ${round(scan.max)} ms |`,
      `| the same 30 days read from rollups + raw ends (5 runs) | ${round(read.p50)} ms | ${round(read.p95)} ms | — | ${round(read.max)} ms |`,
      `| **security report JSON, 30d** (${RUNS} runs, ${Math.round(jsonBytes / 1024)} KB) | ${round(j.p50)} ms | **${round(j.p95)} ms** | ${round(j.p99)} ms | ${round(j.max)} ms |`,
      `| **security report PDF, 30d** (${PDF_RUNS} runs, ${Math.round(pdfBytes / 1024)} KB) | ${round(p.p50)} ms | **${round(p.p95)} ms** | — | ${round(p.max)} ms |`,
      "",
      `Rollups: built from nothing in ${round(buildMs / 1000, 2)} s (${built.added.toLocaleString("en-US")} events → ${Number(rollupRows!.n).toLocaleString("en-US")} hourly rows); a refresh with nothing new ${round(noopMs)} ms.`,
      `Full chain verification before the first PDF (the verify job's work, not the report's): ${round(verifyMs / 1000, 1)} s.`,
      `Targets (issue 4): JSON p95 ≤ 200 ms — ${j.p95 <= 200 ? "met" : "NOT met"}; PDF ≤ 2 s — ${p.p95 <= 2000 ? "met" : "NOT met"}.`,
    ];
    console.log(lines.join("\n"));
  } finally {
    await closePool();
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
