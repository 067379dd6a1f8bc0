/**
 * What keeping the Merkle tree costs ingest (issue 12, item 1), measured in-process so the
 * machine's noise between runs doesn't hide it: the same events are appended by the one
 * append path (tree kept inside its transaction), and then the tree work alone —
 * extendTree over the same batch boundaries, on an org whose stored nodes were cleared — is
 * timed on the same data.
 *
 *   npx tsx bench/tree-cost.ts [--events 20000] [--batch 500]
 */
import { parseArgs } from "node:util";
import { pool, withTransaction, closePool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { createOrganization } from "@/lib/orgs/create-org";
import { extendTree } from "@/lib/integrity/tree";
import { benchDatabase } from "./harness";

const { values } = parseArgs({ options: { events: { type: "string", default: "20000" }, batch: { type: "string", default: "500" } } });
const N = Number(values.events);
const BATCH = Number(values.batch);

const db = await benchDatabase();
try {
  const { org } = await createOrganization({ name: `Tree cost ${Date.now()}` });
  const bodies = Array.from({ length: N }, (_, i) => ({ action: "CONTACT_UPDATED", category: "data", actor: { type: "user", email: `t${i % 50}@example.com` }, metadata: { i } }));
  // Warm up the code paths once.
  const { org: warm } = await createOrganization({ name: `Tree warm ${Date.now()}` });
  await ingestEvents(warm.id, bodies.slice(0, 2000));

  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) await ingestEvents(org.id, bodies.slice(i, i + BATCH));
  const ingestMs = performance.now() - t0;

  await pool().query("delete from merkle_nodes where org_id = $1", [org.id]);
  const hashes = (await pool().query<{ hash: string }>("select hash from audit_events where org_id = $1 order by seq", [org.id])).rows.map((r) => r.hash);
  // The same calls ingest makes, with the batch's hashes, in one transaction (ingest's is already open).
  const treeMs = await withTransaction(async (c) => {
    const t1 = performance.now();
    for (let i = 0; i < N; i += BATCH) await extendTree(c, org.id, i, Math.min(N, i + BATCH), hashes.slice(i, i + BATCH), i === 0 ? "0".repeat(64) : hashes[i - 1]);
    return performance.now() - t1;
  });
  const nodes = (await pool().query<{ n: number }>("select count(*)::int as n from merkle_nodes where org_id = $1", [org.id])).rows[0]!.n;

  console.log(JSON.stringify({
    when: new Date().toISOString(), events: N, batch: BATCH, ingest_ms: Math.round(ingestMs), ingest_per_s: Math.round(N / (ingestMs / 1000)),
    tree_ms: Math.round(treeMs), tree_share_of_ingest: Number((treeMs / ingestMs).toFixed(4)), stored_nodes: nodes,
  }, null, 2));
} finally {
  await closePool();
  await db.stop();
}
