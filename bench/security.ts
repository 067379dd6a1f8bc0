/**
 * SQL injection probe (issue: proof under stress). Serves the app with `next start` against a
 * throwaway database holding a few thousand events, then runs sqlmap (Debian's package,
 * installed with apt-get when missing and running as root) with a valid API key on every
 * filter parameter of the search API (bind parameters) and of the export API (the same
 * filter written into a COPY statement as literals): boolean-blind, error-based, UNION,
 * stacked and time-based techniques for PostgreSQL. Passes only when sqlmap finds no
 * injectable parameter on either.
 *
 *   npx tsx bench/security.ts [--level 3] [--risk 2] [--paths /api/v1/events,/api/v1/exports]
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { closePool } from "@/lib/db/pool";
import { createOrganization } from "@/lib/orgs/create-org";
import { seedEvents } from "@/lib/seed/generate";
import { benchDatabase, runBenchmark, startApp } from "./harness";

const { values } = parseArgs({
  options: {
    level: { type: "string", default: "3" },
    risk: { type: "string", default: "2" },
    paths: { type: "string", default: "/api/v1/events,/api/v1/exports" },
    port: { type: "string", default: "3306" },
  },
});
const PORT = Number(values.port);

/** Every filter of the search API (DESIGN.md), with a value that matches real rows. */
const PARAMS: Record<string, string> = {
  actor: "alice@example.com",
  action: "LOGIN_FAILED",
  category: "authentication",
  status: "failed",
  ip: "198.51.100.0/24",
  text: "contact",
  // No "*" anywhere: sqlmap reads it as an injection marker and then tests only that spot.
  q: "action:LOGIN_FAILED -status:success",
  period: "30d",
  from: "2026-01-01T00:00:00Z",
  to: "2030-01-01T00:00:00Z",
  limit: "50",
};

function ensureSqlmap(): string {
  const found = spawnSync("sh", ["-c", "command -v sqlmap"], { encoding: "utf8" }).stdout.trim();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error("sqlmap is not installed: apt-get install sqlmap");
  console.error("installing sqlmap (apt-get)…");
  const r = spawnSync("apt-get", ["install", "-y", "sqlmap"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) throw new Error("apt-get install sqlmap failed");
  return "sqlmap";
}

async function main(): Promise<void> {
  const sqlmap = ensureSqlmap();
  const version = spawnSync(sqlmap, ["--version"], { encoding: "utf8" }).stdout.trim().split("\n")[0]!;
  const bench = await benchDatabase();
  try {
    const org = await createOrganization({ name: "Probe target" });
    const to = new Date();
    await seedEvents(org.org.id, { count: 5000, from: new Date(to.getTime() - 30 * 86_400_000), to, seed: 5 });
    await closePool();
    const app = await startApp(bench.url, PORT);
    const results = [];
    try {
      for (const target of values.paths.split(",")) {
        const outDir = fs.mkdtempSync(path.join(bench.dir, "sqlmap-"));
        // The export takes no limit: its filter matches a handful of the 5,000 events.
        const params = target.includes("exports") ? { ...PARAMS, limit: undefined, reason: "sqlmap probe", format: "ndjson" } : PARAMS;
        const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
        const url = `http://127.0.0.1:${PORT}${target}?${query}`;
        const tested = Object.keys(PARAMS).filter((k) => query.has(k));
        const args = [
          "-u", url,
          "-H", `Authorization: Bearer ${org.apiKey.key}`,
          "-p", tested.join(","),
          "--dbms=PostgreSQL", `--level=${values.level}`, `--risk=${values.risk}`, "--technique=BEUST",
          "--batch", "--flush-session", "--disable-coloring", "--threads=4", `--output-dir=${outDir}`,
        ];
        console.error(`sqlmap ${version} on GET ${target}: ${tested.join(", ")}`);
        const started = Date.now();
        const run = spawnSync(sqlmap, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        const output = `${run.stdout}\n${run.stderr}`;
        fs.mkdirSync("tmp", { recursive: true });
        fs.writeFileSync(path.join("tmp", `sqlmap-${target.split("/").pop()}.log`), output);
        const injectable = /identified the following injection point|is vulnerable|appears to be injectable|parameter '[^']+' is '[^']+' injectable/i.test(output);
        const clean = /all tested parameters do not appear to be injectable/i.test(output);
        const requests = Number(/(\d+) HTTP\(s\) requests/.exec(output)?.[1] ?? NaN);
        results.push({
          target: `GET ${target}`,
          parameters: tested,
          seconds: Math.round((Date.now() - started) / 1000),
          http_requests: Number.isNaN(requests) ? undefined : requests,
          injectable,
          verdict: clean && !injectable ? "no injectable parameter found" : injectable ? "INJECTABLE: see the log in tmp/" : "inconclusive: see the log in tmp/",
        });
      }
      console.log(JSON.stringify({
        when: new Date().toISOString(), sqlmap: version, level: Number(values.level), risk: Number(values.risk),
        techniques: "boolean-blind, error-based, UNION, stacked queries, time-based", results,
      }, null, 2));
      const bad = results.filter((r) => r.verdict !== "no injectable parameter found");
      if (bad.length > 0) throw new Error(`sqlmap: ${bad.map((r) => `${r.target}: ${r.verdict}`).join("; ")}`);
    } finally {
      app.kill("SIGTERM");
    }
  } finally {
    await closePool().catch(() => {});
    await bench.stop();
  }
}

runBenchmark(main);
