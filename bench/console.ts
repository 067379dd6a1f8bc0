/**
 * Console speed (issue: console). With EVENTS events in one org, signs in through
 * next-auth like a browser, then for each filter times the search page's whole server
 * response (streamed results included) against the API's answer for the same filter, and
 * times the event detail page.
 *
 *   npx tsx bench/console.ts [--events 1000000] [--runs 20]
 */
import { parseArgs } from "node:util";
import { pool, closePool } from "@/lib/db/pool";
import { createOrganization } from "@/lib/orgs/create-org";
import { seedEvents } from "@/lib/seed/generate";
import { benchDatabase, round, startApp, summarize, runBenchmark } from "./harness";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    runs: { type: "string", default: "20" },
    port: { type: "string", default: "3302" },
  },
});
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const PORT = Number(values.port);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = "bench-password-0123456789";

function cookiesOf(res: Response, jar: Map<string, string>): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair!.indexOf("=");
    jar.set(pair!.slice(0, i), pair!.slice(i + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

async function signIn(email: string): Promise<string> {
  const jar = new Map<string, string>();
  const csrf = await fetch(`${BASE}/api/auth/csrf`);
  cookiesOf(csrf, jar);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${BASE}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl: `${BASE}/events` }),
  });
  cookiesOf(res, jar);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in failed (${res.status})`);
  return cookieHeader(jar);
}

async function main(): Promise<void> {
  const bench = await benchDatabase();
  try {
    const to = new Date();
    const from = new Date(to.getTime() - 395 * 24 * 3600_000);
    const email = "admin@heavy.test";
    const org = await createOrganization({ name: "Heavy tenant", admin: { email, password: PASSWORD } });
    const seedStart = Date.now();
    await seedEvents(org.org.id, { count: EVENTS, from, to, seed: 11 });
    console.error(`seeded ${EVENTS} in ${round((Date.now() - seedStart) / 1000)} s`);
    await pool().query("vacuum analyze audit_events");
    const pick = async (sql: string) => ((await pool().query(sql, [org.org.id])).rows[0] as { v: string }).v;
    const actor = await pick("select actor_email as v from audit_events where org_id = $1 and actor_email is not null group by 1 order by count(*) desc limit 1 offset 10");
    const ip = await pick("select host(ip) as v from audit_events where org_id = $1 and family(ip) = 4 group by 1 order by count(*) desc limit 1 offset 5");
    const ids = (await pool().query<{ id: string }>(
      "select id from audit_events where org_id = $1 and occurred_at > now() - interval '30 days' order by random() limit 10", [org.org.id],
    )).rows.map((r) => r.id);
    await closePool();

    const net24 = ip.split(".").slice(0, 3).join(".") + ".0/24";
    const filters: Array<[string, string]> = [
      ["30 days, no other filter", "period=30d"],
      ["7 days, category + status", "period=7d&category=authentication&status=failed"],
      ["30 days, actor", `period=30d&actor=${encodeURIComponent(actor)}`],
      ["30 days, action prefix", "period=30d&action=CONTACT_*"],
      ["30 days, ip /24", `period=30d&ip=${encodeURIComponent(net24)}`],
      ["30 days, free text", "period=30d&text=contact"],
      ["30 days, q language", `period=30d&q=${encodeURIComponent(`category:data -status:success`)}`],
    ];

    const app = await startApp(bench.url, PORT);
    try {
      const cookie = await signIn(email);
      const timed = async (url: string, headers: Record<string, string>) => {
        const t = performance.now();
        const res = await fetch(url, { headers, redirect: "manual" });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
        return { ms: performance.now() - t, body };
      };
      const rows: Array<{ filter: string; api_p95: number; page_p95: number; difference_ms: number }> = [];
      for (const [name, query] of filters) {
        await timed(`${BASE}/api/v1/events?limit=50&${query}`, { authorization: `Bearer ${org.apiKey.key}` });
        await timed(`${BASE}/events?${query}`, { cookie });
        const api: number[] = [];
        const page: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          api.push((await timed(`${BASE}/api/v1/events?limit=50&${query}`, { authorization: `Bearer ${org.apiKey.key}` })).ms);
          page.push((await timed(`${BASE}/events?${query}`, { cookie })).ms);
        }
        const a = summarize(api).p95;
        const p = summarize(page).p95;
        rows.push({ filter: name, api_p95: round(a), page_p95: round(p), difference_ms: round(p - a) });
        console.error(`${name.padEnd(30)} api p95 ${round(a)} ms  page p95 ${round(p)} ms`);
      }
      const detail: number[] = [];
      for (const id of ids) await timed(`${BASE}/events/${id}`, { cookie });
      for (let i = 0; i < RUNS; i++) for (const id of ids) detail.push((await timed(`${BASE}/events/${id}`, { cookie })).ms);
      const d = summarize(detail);
      console.log(JSON.stringify({ when: new Date().toISOString(), events: EVENTS, runs: RUNS, search: rows, detail_page_ms: { p50: round(d.p50), p95: round(d.p95) } }, null, 2));
      console.log(`\nworst page − API p95: ${Math.max(...rows.map((r) => r.difference_ms))} ms (target ≤ 100); detail p95 ${round(d.p95)} ms (target < 200)`);
    } finally {
      app.kill("SIGTERM");
    }
  } finally {
    await closePool().catch(() => {});
    await bench.stop();
  }
}

runBenchmark(main);
