/**
 * Search benchmark (issue: foundation). Seeds an org with EVENTS events over 13 months
 * (plus a second org, so tenancy is real), serves the app with `next start`, and times
 * page 1 of every filter of DESIGN.md through GET /api/v1/events, then page 100 through
 * the cursor of the unfiltered and of a filtered search.
 *
 *   npx tsx bench/search.ts [--events 1000000] [--runs 40]
 */
import { parseArgs } from "node:util";
import { pool, closePool } from "@/lib/db/pool";
import { benchDatabase, heavyTenant, round, startApp, summarize, runBenchmark } from "./harness";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    runs: { type: "string", default: "40" },
    port: { type: "string", default: "3301" },
  },
});
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const PORT = Number(values.port);

async function main(): Promise<void> {
  const bench = await benchDatabase();
  try {
    const to = new Date();
    const tenant = await heavyTenant(EVENTS);
    const org = { org: { id: tenant.orgId }, apiKey: { key: tenant.key } };

    // Real values to search for, taken from the data.
    const pick = async (sql: string) => (await pool().query(sql, [org.org.id])).rows[0] as Record<string, string>;
    const email = (await pick("select actor_email as v from audit_events where org_id = $1 and actor_email is not null group by 1 order by count(*) desc limit 1 offset 10")).v;
    const actorId = (await pick("select actor_id as v from audit_events where org_id = $1 and actor_id is not null group by 1 order by count(*) desc limit 1 offset 20")).v;
    const ip = (await pick("select host(ip) as v from audit_events where org_id = $1 and family(ip) = 4 group by 1 order by count(*) desc limit 1 offset 5")).v;
    const ip6 = (await pick("select host(ip) as v from audit_events where org_id = $1 and family(ip) = 6 limit 1")).v;
    const rare = (await pick("select t.name as v from audit_events, jsonb_to_recordset(targets) as t(name text) where org_id = $1 and t.name is not null and occurred_at > now() - interval '200 days' limit 1 offset 777")).v;
    await closePool();

    const net24 = ip!.split(".").slice(0, 3).join(".") + ".0/24";
    const filters: Array<[string, string]> = [
      ["newest (no filter)", ""],
      ["period=24h", "period=24h"],
      ["period=7d", "period=7d"],
      ["period=30d", "period=30d"],
      ["from/to (a month, 6 months ago)", `from=${new Date(to.getTime() - 200 * 86400_000).toISOString()}&to=${new Date(to.getTime() - 170 * 86400_000).toISOString()}`],
      ["actor (email)", `actor=${encodeURIComponent(email!)}`],
      ["actor (id)", `actor=${encodeURIComponent(actorId!)}`],
      ["category=export", "category=export"],
      ["category=authentication&status=failed", "category=authentication&status=failed"],
      ["action=LOGIN_FAILED", "action=LOGIN_FAILED"],
      ["action=CONTACT_* (prefix)", "action=CONTACT_*"],
      ["status=failed", "status=failed"],
      ["status=pending", "status=pending"],
      ["ip (one v4 address)", `ip=${ip}`],
      ["ip (v4 /24)", `ip=${encodeURIComponent(net24)}`],
      ["ip (v6 address)", `ip=${encodeURIComponent(ip6!)}`],
      ["ip (v6 /32)", `ip=${encodeURIComponent("2001:db8::/32")}`],
      ["text (rare: a target name)", `text=${encodeURIComponent(rare!)}`],
      ["text (common: 'contact')", "text=contact"],
      ["q: actor + action prefix + 30d", `q=${encodeURIComponent(`actor:${email} action:CONTACT_*`)}&period=30d`],
      ["q: category + negation + ip /24", `q=${encodeURIComponent(`category:authentication -status:success ip:${net24}`)}`],
    ];

    const app = await startApp(bench.url, PORT);
    const results: Array<{ filter: string; p50: number; p95: number; rows: number }> = [];
    try {
      const get = async (query: string) => {
        const t = performance.now();
        const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/events?limit=50&${query}`, { headers: { authorization: `Bearer ${org.apiKey.key}` } });
        const body = (await res.json()) as { data: unknown[]; next_cursor: string | null };
        if (res.status !== 200) throw new Error(`${query} answered ${res.status}: ${JSON.stringify(body)}`);
        return { ms: performance.now() - t, body };
      };
      for (const [name, query] of filters) {
        await get(query); // warm
        const samples: number[] = [];
        let rows = 0;
        for (let i = 0; i < RUNS; i++) {
          const r = await get(query);
          samples.push(r.ms);
          rows = r.body.data.length;
        }
        const s = summarize(samples);
        results.push({ filter: name, p50: round(s.p50), p95: round(s.p95), rows });
        console.error(`${name.padEnd(42)} p50 ${round(s.p50)} ms  p95 ${round(s.p95)} ms  (${rows} rows)`);
      }
      // Page 100 through the cursor, unfiltered and filtered.
      const deep: Array<{ filter: string; page1_p95: number; page100_p95: number }> = [];
      for (const [name, query] of [["newest (no filter)", ""], ["category=authentication&status=failed", "category=authentication&status=failed"]] as const) {
        let cursor: string | null = null;
        for (let page = 1; page < 100; page++) {
          const r = await get(query + (cursor ? `&cursor=${cursor}` : ""));
          cursor = r.body.next_cursor;
          if (!cursor) throw new Error(`${name}: fewer than 100 pages`);
        }
        const samples: number[] = [];
        for (let i = 0; i < RUNS; i++) samples.push((await get(`${query}&cursor=${cursor}`)).ms);
        const page1 = results.find((r) => r.filter === name)!;
        deep.push({ filter: name, page1_p95: page1.p95, page100_p95: round(summarize(samples).p95) });
      }
      console.log(JSON.stringify({ when: new Date().toISOString(), events: tenant.events, seed_seconds: tenant.seedSeconds, runs: RUNS, page1: results, page100: deep }, null, 2));
      const worst = Math.max(...results.map((r) => r.p95));
      console.log(`\nworst page-1 p95: ${worst} ms (target ≤ 50 ms)`);
    } finally {
      app.kill("SIGTERM");
    }
  } finally {
    await closePool().catch(() => {});
    await bench.stop();
  }
}

runBenchmark(main);
