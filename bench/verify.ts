/**
 * Verification's two speeds (issue 12, item 5): a full pass over an org's whole chain and
 * tree (events/s, goal ≥ 100,000), and the incremental verification after 1,000 new events
 * (goal < 1 s at 10M), which re-checks only what came after the last verified tree head.
 *
 *   npx tsx bench/verify.ts [--events 1000000] [--rounds 5]
 *   BENCH_DATA_DIR=/work/exp/scale10m BENCH_DB_PORT=57900 npx tsx bench/verify.ts --events 10000000
 *
 * Add `--cpu-prof` to node (NODE_OPTIONS=--cpu-prof) to profile the full pass.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { closePool, pool, readPool } from "@/lib/db/pool";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import { contentHash, linkHash } from "@/lib/integrity/chain";
import { ROW_COLUMNS, RAW_TEXT, type RawRow } from "@/lib/integrity/row-hash";
import { ingestEvents } from "@/lib/events/ingest";
import { fullVerification, verifyIncrementally } from "@/lib/integrity/verified-state";
import { chainStatus } from "@/lib/integrity/status";
import { benchDatabase, heavyTenant, round, summarize } from "./harness";

const { values } = parseArgs({ options: { events: { type: "string", default: "1000000" }, rounds: { type: "string", default: "5" }, "full-only": { type: "boolean", default: false } } });
const N = Number(values.events);
const ROUNDS = Number(values.rounds);

const db = await benchDatabase();
try {
  const tenant = await heavyTenant(N);
  if (tenant.seedSeconds !== null) console.log(`seeded ${N} events in ${tenant.seedSeconds} s`);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`load before the full pass: ${load()}`);

  // Two baselines in the same run: the rows read alone (what no pass can beat on one core),
  // and the reference path the passes used before (each row built into an event and hashed).
  const readAll = async (columns: string, rowMode: boolean, work: (r: unknown) => void): Promise<number> => {
    const started = performance.now();
    let after = 0;
    let n = 0;
    for (;;) {
      const text = `select ${columns} from audit_events where org_id = $1 and seq > $2 order by seq limit 2048`;
      const rows: unknown[] = rowMode
        ? (await readPool().query<RawRow>({ text, values: [tenant.orgId, after], rowMode: "array", types: RAW_TEXT })).rows
        : (await readPool().query<EventRow>(text, [tenant.orgId, after])).rows;
      for (const r of rows) work(r);
      n += rows.length;
      if (rows.length < 2048) break;
      after = Number(rowMode ? (rows.at(-1) as RawRow)[0] : (rows.at(-1) as EventRow).seq);
    }
    return n / ((performance.now() - started) / 1000);
  };
  const readOnly = await readAll(ROW_COLUMNS, true, () => {});
  const reference = await readAll(EVENT_COLUMNS, false, (r) => {
    const e = rowToEvent(r as EventRow);
    if (contentHash(e) !== e.content_hash || linkHash(e.prev_hash, e.content_hash) !== e.hash) throw new Error(`seq ${e.seq} does not verify`);
  });
  console.log(`baselines: rows read alone ${Math.round(readOnly)} rows/s; the reference path (rowToEvent + contentHash, chain only) ${Math.round(reference)} events/s`);

  const t0 = performance.now();
  const full = await fullVerification(tenant.orgId);
  const fullMs = performance.now() - t0;
  if (!full.ok) throw new Error(`the full pass failed: ${full.problems.join("; ")}`);
  const rate = full.checked / (fullMs / 1000);
  console.log(`full pass: ${full.checked} events and ${full.nodes_checked} stored tree nodes in ${round(fullMs / 1000, 2)} s = ${Math.round(rate)} events/s (goal ≥ 100,000); ${round(rate / reference, 2)}× the reference path, ${round(rate / readOnly, 2)}× reading the rows alone`);
  if (values["full-only"]) process.exit(0);

  const incremental: number[] = [];
  const statusMs: number[] = [];
  const bodies = Array.from({ length: 1000 }, (_, i) => ({ action: "CONTACT_UPDATED", category: "data", actor: { type: "user", email: `bench${i % 20}@example.com` }, metadata: { i } }));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < 1000; i += 500) await ingestEvents(tenant.orgId, bodies.slice(i, i + 500));
    const t1 = performance.now();
    const v = await verifyIncrementally(tenant.orgId);
    incremental.push(performance.now() - t1);
    if (!v.ok || v.checked !== 1000) throw new Error(`the incremental verification checked ${v.checked} (ok ${v.ok})`);
    const t2 = performance.now();
    const status = await chainStatus(tenant.orgId);
    statusMs.push(performance.now() - t2);
    if (!status.ok || status.checked !== 0) throw new Error(`GET /chain/verify's answer re-hashed ${status.checked}`);
  }
  const head = (await pool().query<{ seq: number }>("select seq from chain_heads where org_id = $1", [tenant.orgId])).rows[0]!.seq;
  const inc = summarize(incremental);
  const st = summarize(statusMs);
  console.log(`incremental verification of 1,000 new events at ${Number(head).toLocaleString("en")} events, ${ROUNDS} rounds: p50 ${round(inc.p50)} ms, max ${round(inc.max)} ms (goal < 1,000 ms)`);
  console.log(`chain status answered from the verified state right after: p50 ${round(st.p50, 2)} ms, max ${round(st.max, 2)} ms`);
  console.log(`load after: ${load()}`);
} finally {
  await closePool();
  await db.stop();
}
