import { describe, expect, it } from "vitest";
import { pool, withTransaction } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { consistencyProof, eventLeaf, inclusionProof, memoryNodes, multiProof, rootFromLeaves, treeRoot, verifyConsistency, verifyInclusion } from "@/lib/integrity/merkle";
import { consistencyAt, forgetTails, inclusionAt, keepLeavesBeforeDelete, multiProofAt, rootAt } from "@/lib/integrity/tree";
import { newOrg } from "@/tests/helpers/fixtures";

/**
 * The stored Merkle tree (lib/integrity/tree.ts) against the same tree built in memory
 * from the events' hashes as the database returns them.
 */

const body = (i: number) => ({ action: "TREE_TESTED", category: "data", actor: { type: "user", email: `t${i}@example.com` }, metadata: { i } });

async function ingest(orgId: string, sizes: number[]): Promise<void> {
  let i = 0;
  for (const n of sizes) {
    const results = await ingestEvents(orgId, Array.from({ length: n }, () => body(i++)));
    expect(results.filter((r) => r.status !== "created")).toEqual([]);
  }
}

async function leavesOf(orgId: string) {
  const { rows } = await pool().query<{ hash: string }>("select hash from audit_events where org_id = $1 order by seq", [orgId]);
  return rows.map((r) => eventLeaf(r.hash));
}

const nodesOf = async (orgId: string) =>
  (await pool().query<{ level: number; idx: number }>("select level, idx from merkle_nodes where org_id = $1 order by level, idx", [orgId])).rows.map((r) => `${r.level}/${r.idx}`);

describe("each org's Merkle tree, stored", () => {
  it("is kept at ingest: its roots and proofs are the in-memory tree's, in any batch shape", async () => {
    const { org } = await newOrg();
    // Single events, batches that end on a block of 256 and batches that cross one.
    await ingest(org.id, [1, 1, 254, 3, 300, 1, 1, 200, 40]);
    const leaves = await leavesOf(org.id);
    expect(leaves).toHaveLength(801);
    // Blocks of 256 completed: 3 (the 4th holds 33 leaves).
    expect(await nodesOf(org.id)).toEqual(["8/0", "8/1", "8/2"]);
    const mem = memoryNodes(leaves);
    for (const size of [1, 2, 255, 256, 257, 511, 512, 513, 700, 768, 801]) {
      const root = await rootAt(pool(), org.id, size);
      expect(root.equals(await treeRoot(mem, size)), `root at ${size}`).toBe(true);
      for (const index of [0, size - 1, Math.floor(size / 2)]) {
        const path = await inclusionAt(pool(), org.id, index, size);
        expect(path.map((h) => h.toString("hex"))).toEqual((await inclusionProof(mem, index, size)).map((h) => h.toString("hex")));
        expect(verifyInclusion(leaves[index]!, index, size, path, root)).toBe(true);
      }
    }
    for (const [m, n] of [[1, 801], [256, 801], [300, 513], [512, 768]] as const) {
      const proof = await consistencyAt(pool(), org.id, m, n);
      expect(verifyConsistency(m, n, await rootAt(pool(), org.id, m), await rootAt(pool(), org.id, n), proof)).toBe(true);
      expect(proof.map((h) => h.toString("hex"))).toEqual((await consistencyProof(mem, m, n)).map((h) => h.toString("hex")));
    }
    const some = [3, 250, 256, 600, 800];
    const proof = await multiProofAt(pool(), org.id, some, 801);
    expect(rootFromLeaves(some.map((i) => [i, leaves[i]!]), 801, proof)?.equals(await rootAt(pool(), org.id, 801))).toBe(true);
    expect(proof.map((h) => h.toString("hex"))).toEqual((await multiProof(mem, some, 801)).map((h) => h.toString("hex")));
  });

  it("still proves what stays after retention deletes events, some blocks whole and some in part", async () => {
    const { org } = await newOrg();
    await ingest(org.id, [600]);
    const leaves = await leavesOf(org.id);
    const root = await rootAt(pool(), org.id, 600);
    // Going: seq 1..300 but every 50th (a critical event kept longer): block 0 is deleted
    // but for 5 events, block 1 in part.
    const doomed = "select seq, hash from audit_events where org_id = $1 and seq <= 300 and seq % 50 <> 0";
    await withTransaction(async (client) => {
      await keepLeavesBeforeDelete(client, org.id, doomed, [org.id]);
      await client.query("set local vigil.retention = 'on'");
      await client.query("delete from audit_events where org_id = $1 and seq <= 300 and seq % 50 <> 0", [org.id]);
    });
    // The kept leaves are the events' leaf hashes, byte for byte.
    const kept = (await pool().query<{ idx: number; hash: Buffer }>("select idx, hash from merkle_nodes where org_id = $1 and level = 0 order by idx", [org.id])).rows;
    expect(kept.length).toBeGreaterThan(0);
    for (const k of kept) expect(k.hash.equals(leaves[Number(k.idx)]!), `leaf ${k.idx}`).toBe(true);
    // Block 0 went whole but for its 5 critical events: its leaves are kept; block 1 (257..512) keeps 43 of its 256.
    expect(kept.map((k) => Number(k.idx)).filter((i) => i < 256)).toHaveLength(256 - 5);
    expect((await rootAt(pool(), org.id, 600)).equals(root)).toBe(true);
    for (const index of [49, 99, 255, 299, 300, 301, 599]) {
      expect(verifyInclusion(leaves[index]!, index, 600, await inclusionAt(pool(), org.id, index, 600), root), `leaf ${index}`).toBe(true);
    }
  });

  it("keeps growing after retention deleted part of the block at the head, in a process that never appended before", async () => {
    const { org } = await newOrg();
    await ingest(org.id, [300]);
    const leaves = await leavesOf(org.id);
    const doomed = "select seq, hash from audit_events where org_id = $1 and seq between 257 and 290";
    await withTransaction(async (client) => {
      await keepLeavesBeforeDelete(client, org.id, doomed, [org.id]);
      await client.query("set local vigil.retention = 'on'");
      await client.query("delete from audit_events where org_id = $1 and seq between 257 and 290", [org.id]);
    });
    // Like the retention job's own process: no tail of this org in memory.
    forgetTails();
    await ingest(org.id, [250]);
    const after = [...leaves, ...(await leavesOf(org.id)).slice(300 - 34)];
    expect(after).toHaveLength(550);
    expect(await nodesOf(org.id)).toContain("8/1");
    expect((await rootAt(pool(), org.id, 550)).equals(await treeRoot(memoryNodes(after), 550))).toBe(true);
  });
});
