import type pg from "pg";
import { consistencyProof, eventLeaf, inclusionProof, multiProof, nodeHash, perfectRoot, treeRoot, type Hash, type NodeSource } from "@/lib/integrity/merkle";

/**
 * Each org's Merkle tree, stored. The leaves are the events' chain hashes in audit_events
 * (leaf i is seq i + 1); merkle_nodes keeps the root of every complete subtree of 256^k
 * leaves (levels 8, 16, …), written by the transaction whose events complete it
 * (extendTree, called by the one append path), and the leaves retention removes from
 * blocks that keep other events (keepLeavesBeforeDelete). Any other node is computed from
 * at most 256 nodes of the band below it, so a proof costs O(log n) small reads.
 */

type Db = pg.Pool | pg.PoolClient;

/** Stored levels are multiples of BAND: a band is 2^BAND = 256 nodes of the level below. */
const BAND = 8;

export class MissingLeavesError extends Error {}

/** The stored tree of one org as a NodeSource, read through `db`; nodes are memoized for its life. */
export function storedNodes(db: Db, orgId: string): NodeSource & { computed: Map<string, Hash>; remember: (level: number, index: number, h: Hash) => void } {
  const memo = new Map<string, Hash>();
  /** Nodes worked out here at stored levels (> 0, multiples of BAND): extendTree writes them. */
  const computed = new Map<string, Hash>();

  async function node(level: number, index: number): Promise<Hash> {
    const key = `${level}/${index}`;
    const known = memo.get(key);
    if (known) return known;
    if (level > 0 && level % BAND === 0) {
      const { rows } = await db.query<{ hash: Buffer }>("select hash from merkle_nodes where org_id = $1 and level = $2 and idx = $3", [orgId, level, index]);
      if (rows[0]) {
        memo.set(key, rows[0].hash);
        return rows[0].hash;
      }
    }
    const base = level % BAND === 0 ? Math.max(0, level - BAND) : level - (level % BAND);
    const h = await fromBand(level, index, base);
    memo.set(key, h);
    if (level > 0 && level % BAND === 0) computed.set(key, h);
    return h;
  }

  /** node(level, index) from the nodes of level `base` under it, and what is stored between. */
  async function fromBand(level: number, index: number, base: number): Promise<Hash> {
    const width = 2 ** (level - base);
    const first = index * width;
    const baseNodes = new Map<number, Hash>();
    if (base === 0) {
      const { rows } = await db.query<{ seq: number; hash: string }>(
        "select seq, hash from audit_events where org_id = $1 and seq between $2 and $3",
        [orgId, first + 1, first + width],
      );
      for (const r of rows) baseNodes.set(Number(r.seq) - 1, eventLeaf(r.hash));
    } else {
      const { rows } = await db.query<{ idx: number; hash: Buffer }>(
        "select idx, hash from merkle_nodes where org_id = $1 and level = $2 and idx between $3 and $4",
        [orgId, base, first, first + width - 1],
      );
      for (const r of rows) baseNodes.set(Number(r.idx), r.hash);
    }
    // Leaves retention removed are kept in merkle_nodes (level 0).
    if (base === 0 && baseNodes.size < width) {
      const { rows } = await db.query<{ idx: number; hash: Buffer }>(
        "select idx, hash from merkle_nodes where org_id = $1 and level = 0 and idx between $2 and $3",
        [orgId, first, first + width - 1],
      );
      for (const r of rows) baseNodes.set(Number(r.idx), r.hash);
    }
    // The band's nodes serve its neighbours too (a multi-leaf proof asks for many of them).
    for (const [i, h] of baseNodes) memo.set(`${base}/${i}`, h);
    const build = async (l: number, i: number): Promise<Hash> => {
      const s = memo.get(`${l}/${i}`);
      if (s) return s;
      if (l === base) {
        const b = baseNodes.get(i);
        if (b) return b;
        if (base > 0) return node(base, i);
        throw new MissingLeavesError(`the tree's leaf ${i} (seq ${i + 1}) is not stored`);
      }
      const h = nodeHash(await build(l - 1, i * 2), await build(l - 1, i * 2 + 1));
      if (l < level) memo.set(`${l}/${i}`, h);
      return h;
    };
    return build(level, index);
  }

  /** A node the caller worked out (new at a stored level: it is written with the others). */
  const remember = (level: number, index: number, h: Hash) => {
    memo.set(`${level}/${index}`, h);
    computed.set(`${level}/${index}`, h);
  };

  return { node, computed, remember };
}

/**
 * The leaves of each org's unfinished block of 256 as this process last appended them,
 * with the chain hash they end at: the next append checks that hash against the head it
 * locked (another instance's append, or a rolled-back one, doesn't match) before using them
 * instead of reading them back.
 */
const tails = new Map<string, { seq: number; hash: string; leaves: Hash[] }>();
const MAX_TAILS = 10_000;

/** Orgs whose tree can't grow (their leaves were deleted before the tree existed), already logged. */
const stalled = new Set<string>();

/** Forgets the kept tails, as a process that never appended starts (tests). */
export function forgetTails(): void {
  tails.clear();
}

/**
 * Writes the stored nodes that the events (fromSeq, toSeq] complete, in the caller's
 * transaction (the one that appended them, after their insert). Ingest passes the events'
 * chain hashes in seq order and the head's hash before them (`prevHash`): then level 8 is
 * built from leaves in memory and nothing is read back but, after another instance's
 * append, the earlier part of the block. The cost is one insert and 511 hashes per 256
 * events (bench/tree-cost.ts).
 */
export async function extendTree(client: pg.PoolClient, orgId: string, fromSeq: number, toSeq: number, hashes?: string[], prevHash?: string): Promise<void> {
  try {
    await extendTreeOrThrow(client, orgId, fromSeq, toSeq, hashes, prevHash);
  } catch (err) {
    // Ingest never fails for the tree: a log whose leaves are gone (deleted before the tree
    // existed) leaves the node unstored, and proofs over it say so (MissingLeavesError).
    if (!(err instanceof MissingLeavesError)) throw err;
    tails.delete(orgId);
    // Said once per org and process: every later append would say it again.
    if (!stalled.has(orgId)) console.error(`[vigil] org ${orgId}: the Merkle tree can't be extended past seq ${fromSeq}: ${err.message}`);
    stalled.add(orgId);
  }
}

async function extendTreeOrThrow(client: pg.PoolClient, orgId: string, fromSeq: number, toSeq: number, hashes?: string[], prevHash?: string): Promise<void> {
  const block = 2 ** BAND;
  const firstBlock = Math.floor(fromSeq / block);
  const endBlock = Math.floor(toSeq / block);
  const src = storedNodes(client, orgId);
  if (hashes && hashes.length === toSeq - fromSeq) {
    const start = firstBlock * block;
    const tail = tails.get(orgId);
    let leaves: Hash[];
    if (start === fromSeq) leaves = [];
    else if (tail && tail.seq === fromSeq && tail.hash === prevHash && tail.leaves.length === fromSeq - start) leaves = tail.leaves;
    else {
      // The block's earlier events, or the leaves retention kept of those it deleted.
      const [events, kept] = await Promise.all([
        client.query<{ seq: number; hash: string }>("select seq, hash from audit_events where org_id = $1 and seq between $2 and $3", [orgId, start + 1, fromSeq]),
        client.query<{ idx: number; hash: Buffer }>("select idx, hash from merkle_nodes where org_id = $1 and level = 0 and idx between $2 and $3", [orgId, start, fromSeq - 1]),
      ]);
      const byIndex = new Map<number, Hash>();
      for (const r of kept.rows) byIndex.set(Number(r.idx), r.hash);
      for (const r of events.rows) byIndex.set(Number(r.seq) - 1, eventLeaf(r.hash));
      leaves = [];
      for (let i = start; i < fromSeq; i++) {
        const leaf = byIndex.get(i);
        if (!leaf) throw new MissingLeavesError(`the tree's leaf ${i} (seq ${i + 1}) is not stored`);
        leaves.push(leaf);
      }
    }
    for (const h of hashes) leaves.push(eventLeaf(h));
    for (let b = firstBlock; b < endBlock; b++) src.remember(BAND, b, perfectRoot(leaves.slice((b - firstBlock) * block, (b - firstBlock + 1) * block)));
    tails.delete(orgId);
    if (tails.size >= MAX_TAILS) tails.delete(tails.keys().next().value!);
    if (hashes.length > 0) tails.set(orgId, { seq: toSeq, hash: hashes.at(-1)!, leaves: leaves.slice(endBlock * block - start) });
  } else tails.delete(orgId);
  if (firstBlock === endBlock) return;
  for (let level = BAND; 2 ** level <= toSeq; level += BAND) {
    const size = 2 ** level;
    for (let i = Math.floor(fromSeq / size); i < Math.floor(toSeq / size); i++) await src.node(level, i);
  }
  await writeComputed(client, orgId, src.computed);
}

/** Makes sure every complete subtree of 256^k leaves up to `size` is stored (a tree from before merkle_nodes). */
export async function completeTree(client: pg.PoolClient, orgId: string, size: number): Promise<void> {
  const { rows } = await client.query<{ n: number }>("select count(*)::int as n from merkle_nodes where org_id = $1 and level = $2", [orgId, BAND]);
  const stored = rows[0]?.n ?? 0;
  if (stored >= Math.floor(size / 256)) return;
  await extendTree(client, orgId, 0, size);
}

async function writeComputed(client: pg.PoolClient, orgId: string, computed: Map<string, Hash>): Promise<void> {
  if (computed.size === 0) return;
  const levels: number[] = [];
  const idxs: number[] = [];
  const hashes: Buffer[] = [];
  for (const [key, h] of computed) {
    const [l, i] = key.split("/").map(Number);
    levels.push(l!);
    idxs.push(i!);
    hashes.push(h);
  }
  await client.query(
    `insert into merkle_nodes (org_id, level, idx, hash)
     select $1, l, i, h from unnest($2::smallint[], $3::bigint[], $4::bytea[]) as t(l, i, h)
     on conflict do nothing`,
    [orgId, levels, idxs, hashes],
  );
}

/**
 * Before retention deletes events: keeps the leaf of each one whose block of 256 is not
 * deleted whole (it keeps a critical event for longer, or it is the block at the cut),
 * since proofs of the events that stay still need it; a block deleted whole is its stored
 * level-8 node. `doomed` selects (seq, hash) of what is about to go; its $1 is the org id.
 */
export async function keepLeavesBeforeDelete(client: pg.PoolClient, orgId: string, doomed: string, params: unknown[]): Promise<void> {
  const head = await client.query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
  await completeTree(client, orgId, Number(head.rows[0]?.seq ?? 0));
  await client.query(
    `with e as (${doomed}),
          blocks as (select (seq - 1) / 256 as b, count(*) as n from e group by 1)
     insert into merkle_nodes (org_id, level, idx, hash)
     select $1::uuid, 0, e.seq - 1, sha256('\\x00'::bytea || decode(e.hash, 'hex'))
       from e join blocks on (e.seq - 1) / 256 = blocks.b
      where blocks.n < 256
     on conflict do nothing`,
    params,
  );
}

export const rootAt = (db: Db, orgId: string, size: number) => treeRoot(storedNodes(db, orgId), size);

/** The root at `size`, or undefined where its leaves are gone (a log whose events were deleted before the tree existed). */
export async function rootIfStored(db: Db, orgId: string, size: number): Promise<Hash | undefined> {
  try {
    return await rootAt(db, orgId, size);
  } catch (err) {
    if (err instanceof MissingLeavesError) return undefined;
    throw err;
  }
}
export const inclusionAt = (db: Db, orgId: string, index: number, size: number) => inclusionProof(storedNodes(db, orgId), index, size);
export const consistencyAt = (db: Db, orgId: string, from: number, to: number) => consistencyProof(storedNodes(db, orgId), from, to);
export const multiProofAt = (db: Db, orgId: string, indexes: number[], size: number) => multiProof(storedNodes(db, orgId), indexes, size);
