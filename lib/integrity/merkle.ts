import crypto from "node:crypto";

/**
 * The Merkle tree of RFC 6962 §2.1 (RFC 9162 §2.1), over each org's log: leaf i is the
 * event at seq i + 1, and its leaf data is that event's chain hash (32 bytes), so
 *
 *   leaf hash  = SHA-256(0x00 ‖ hash)            node hash = SHA-256(0x01 ‖ left ‖ right)
 *
 * and a tree of n leaves splits at k, the largest power of two below n. The chain hash
 * stays the same when an event's personal data is erased (its content hash keeps the
 * erased values' commitments), so an erasure changes no leaf and no proof.
 *
 * No database here: the CLI verifier and the server prove with the same code. Node
 * hashes come from a NodeSource — an array in memory, or the stored tree
 * (lib/integrity/tree.ts). No npm package generates RFC 6962 proofs (sigstore's
 * verifiers only check inclusion), hence this file; it is checked against the
 * Certificate Transparency test vectors (merkle.test.ts).
 */

export type Hash = Buffer;

export const EMPTY_ROOT: Hash = crypto.createHash("sha256").digest();

// One-shot hashing of a reused buffer: ingest hashes about two nodes per event, and
// crypto.hash of one buffer costs about half of createHash().update()…digest() here.
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 1;
const leafInput = Buffer.alloc(33);

export function leafHash(data: Buffer): Hash {
  if (data.length === 32) {
    data.copy(leafInput, 1);
    return crypto.hash("sha256", leafInput, "buffer") as Buffer;
  }
  return crypto.createHash("sha256").update(Buffer.of(0)).update(data).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
  return crypto.hash("sha256", nodeInput, "buffer") as Buffer;
}

/** The leaf hash of an event: its chain hash (64 hex characters) as 32 bytes. */
export function eventLeaf(chainHashHex: string): Hash {
  if (chainHashHex.length !== 64 || leafInput.write(chainHashHex, 1, "hex") !== 32 || !/^[0-9a-f]{64}$/.test(chainHashHex)) {
    throw new Error("an event's hash is 64 lowercase hex characters");
  }
  return crypto.hash("sha256", leafInput, "buffer") as Buffer;
}

/** The root of a perfect subtree (a power of two of leaf hashes), without the recursion. */
export function perfectRoot(leaves: Hash[]): Hash {
  let level = leaves;
  while (level.length > 1) {
    const next: Hash[] = new Array(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = nodeHash(level[2 * i]!, level[2 * i + 1]!);
    level = next;
  }
  return level[0]!;
}

/** The largest power of two smaller than n (n ≥ 2). */
export function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Hashes of perfect subtrees: `node(level, index)` is the root of leaves
 * [index·2^level, (index+1)·2^level), asked only for subtrees that are complete.
 */
export interface NodeSource {
  node(level: number, index: number): Promise<Hash>;
}

/** A NodeSource over leaf hashes in memory (tests, the offline verifier). */
export function memoryNodes(leaves: Hash[]): NodeSource {
  const memo = new Map<string, Hash>();
  const get = (level: number, index: number): Hash => {
    if (level === 0) {
      const leaf = leaves[index];
      if (!leaf) throw new Error(`no leaf ${index}`);
      return leaf;
    }
    const key = `${level}/${index}`;
    let h = memo.get(key);
    if (!h) {
      h = nodeHash(get(level - 1, index * 2), get(level - 1, index * 2 + 1));
      memo.set(key, h);
    }
    return h;
  };
  return { node: async (level, index) => get(level, index) };
}

const isPow2 = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** MTH(D[lo:hi]) for a range the RFC 6962 recursion visits. */
export async function rangeRoot(src: NodeSource, lo: number, hi: number): Promise<Hash> {
  const n = hi - lo;
  if (n <= 0) return EMPTY_ROOT;
  if (isPow2(n) && lo % n === 0) return src.node(Math.log2(n), lo / n);
  const k = split(n);
  return nodeHash(await rangeRoot(src, lo, lo + k), await rangeRoot(src, lo + k, hi));
}

export const treeRoot = (src: NodeSource, size: number) => rangeRoot(src, 0, size);

/** RFC 6962 PATH(m, D[0:n]): the audit path of leaf m, bottom up. */
export async function inclusionProof(src: NodeSource, index: number, size: number): Promise<Hash[]> {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const path: Hash[] = [];
  const walk = async (m: number, lo: number, hi: number): Promise<void> => {
    if (hi - lo <= 1) return;
    const k = split(hi - lo);
    if (m < k) {
      await walk(m, lo, lo + k);
      path.push(await rangeRoot(src, lo + k, hi));
    } else {
      await walk(m - k, lo + k, hi);
      path.push(await rangeRoot(src, lo, lo + k));
    }
  };
  await walk(index, 0, size);
  return path;
}

/** RFC 6962 PROOF(m, D[0:n]): the consistency proof from size m to size n. */
export async function consistencyProof(src: NodeSource, m: number, n: number): Promise<Hash[]> {
  if (m < 0 || m > n) throw new RangeError(`no consistency proof from size ${m} to ${n}`);
  if (m === 0 || m === n) return [];
  const proof: Hash[] = [];
  const sub = async (mm: number, lo: number, hi: number, whole: boolean): Promise<void> => {
    const size = hi - lo;
    if (mm === size) {
      if (!whole) proof.push(await rangeRoot(src, lo, hi));
      return;
    }
    const k = split(size);
    if (mm <= k) {
      await sub(mm, lo, lo + k, whole);
      proof.push(await rangeRoot(src, lo + k, hi));
    } else {
      await sub(mm - k, lo + k, hi, false);
      proof.push(await rangeRoot(src, lo, lo + k));
    }
  };
  await sub(m, 0, n, true);
  return proof;
}

/** RFC 9162 §2.1.3.2: does `proof` take this leaf hash at `index` to `root` in a tree of `size`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: Hash[], root: Hash): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of size m (root1) is a prefix of the tree of size n (root2)? */
export function verifyConsistency(m: number, n: number, root1: Hash, root2: Hash, proof: Hash[]): boolean {
  if (m < 0 || m > n) return false;
  if (m === n) return proof.length === 0 && root1.equals(root2);
  if (m === 0) return proof.length === 0;
  const path = [...proof];
  if (isPow2(m)) path.unshift(root1);
  if (path.length === 0) return false;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

/**
 * A proof for any set of leaves at once (a filtered export): the roots of the maximal
 * subtrees that hold none of them, in the order a left-to-right walk of the RFC 6962
 * recursion meets them. With the leaves themselves, they rebuild the root
 * (rootFromLeaves); for one leaf it holds the audit path's hashes, top down.
 */
export async function multiProof(src: NodeSource, indexes: number[], size: number): Promise<Hash[]> {
  const sorted = [...indexes].sort((a, b) => a - b);
  const out: Hash[] = [];
  const walk = async (lo: number, hi: number): Promise<void> => {
    const held = countIn(sorted, lo, hi);
    if (held === 0) {
      out.push(await rangeRoot(src, lo, hi));
      return;
    }
    // Every leaf of the range is given: the verifier computes it all.
    if (held === hi - lo) return;
    const k = split(hi - lo);
    await walk(lo, lo + k);
    await walk(lo + k, hi);
  };
  if (size > 0) await walk(0, size);
  return out;
}

/**
 * The root that these leaves (index → leaf hash, in increasing index order) and a
 * multiProof give; undefined when the proof has too few or too many hashes.
 */
export function rootFromLeaves(leaves: Array<[number, Hash]>, size: number, proof: Hash[]): Hash | undefined {
  const indexes = leaves.map(([i]) => i);
  const byIndex = new Map(leaves);
  let next = 0;
  const walk = (lo: number, hi: number): Hash | undefined => {
    if (!holdsAny(indexes, lo, hi)) return proof[next++];
    if (hi - lo === 1) return byIndex.get(lo);
    const k = split(hi - lo);
    const left = walk(lo, lo + k);
    const right = left && walk(lo + k, hi);
    return left && right ? nodeHash(left, right) : undefined;
  };
  if (size === 0) return leaves.length === 0 && proof.length === 0 ? EMPTY_ROOT : undefined;
  const root = walk(0, size);
  return root && next === proof.length ? root : undefined;
}

/** The first position in the sorted `indexes` whose value is ≥ x. */
function lowerBound(indexes: number[], x: number): number {
  let a = 0;
  let b = indexes.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (indexes[mid]! < x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** How many of the sorted, distinct `indexes` are in [lo, hi). */
const countIn = (indexes: number[], lo: number, hi: number) => lowerBound(indexes, hi) - lowerBound(indexes, lo);

/** Whether the sorted `indexes` hold one in [lo, hi). */
const holdsAny = (indexes: number[], lo: number, hi: number) => countIn(indexes, lo, hi) > 0;
