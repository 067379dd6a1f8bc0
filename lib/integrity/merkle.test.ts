import { describe, expect, it } from "vitest";
import {
  EMPTY_ROOT, consistencyProof, inclusionProof, leafHash, memoryNodes, multiProof, rootFromLeaves, treeRoot, verifyConsistency, verifyInclusion,
  type Hash,
} from "@/lib/integrity/merkle";

// The Certificate Transparency reference leaves and tree heads (RFC 6962 test vectors).
const DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => Buffer.from(h, "hex"));
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const LEAVES = DATA.map(leafHash);
const hex = (hs: Hash[]) => hs.map((h) => h.toString("hex"));

describe("the Merkle tree (RFC 6962)", () => {
  it("gives the reference tree heads, and the empty tree's", async () => {
    expect(EMPTY_ROOT.toString("hex")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (let n = 1; n <= 8; n++) expect((await treeRoot(memoryNodes(LEAVES), n)).toString("hex")).toBe(ROOTS[n - 1]);
  });

  it("gives the reference inclusion and consistency proofs", async () => {
    const src = memoryNodes(LEAVES);
    expect(hex(await inclusionProof(src, 0, 8))).toEqual([
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
    expect(hex(await inclusionProof(src, 5, 8))).toEqual([
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]);
    expect(hex(await consistencyProof(src, 2, 8))).toEqual([
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
  });

  // Every shape of the recursion: all sizes up to 70, every leaf, every earlier size.
  const many = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from([i, i * 7 % 256])));
  const src = memoryNodes(many);

  it("proves every leaf in every tree size, and refuses a wrong leaf, index, size or root", async () => {
    for (let n = 1; n <= many.length; n++) {
      const root = await treeRoot(src, n);
      for (let i = 0; i < n; i++) {
        const path = await inclusionProof(src, i, n);
        expect(verifyInclusion(many[i]!, i, n, path, root), `leaf ${i} of ${n}`).toBe(true);
        expect(verifyInclusion(many[(i + 1) % 70]!, i, n, path, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(many[i]!, (i + 1) % n, n, path, root)).toBe(false);
        // Against the next tree's head, this tree's path proves nothing.
        if (n < many.length) expect(verifyInclusion(many[i]!, i, n + 1, path, await treeRoot(src, n + 1))).toBe(false);
      }
    }
  });

  it("proves every earlier size consistent with every later one, and refuses a changed history", async () => {
    const forged = memoryNodes(many.map((l, i) => (i === 3 ? leafHash(Buffer.from("rewritten")) : l)));
    for (let n = 1; n <= 40; n++) {
      const root2 = await treeRoot(src, n);
      for (let m = 1; m <= n; m++) {
        const root1 = await treeRoot(src, m);
        const proof = await consistencyProof(src, m, n);
        expect(verifyConsistency(m, n, root1, root2, proof), `${m} → ${n}`).toBe(true);
        if (m > 3) expect(verifyConsistency(m, n, root1, await treeRoot(forged, n), await consistencyProof(forged, m, n))).toBe(false);
      }
    }
  });

  it("rebuilds the root from any subset of leaves and their multi-proof, and from nothing less", async () => {
    const n = 67;
    const root = await treeRoot(src, n);
    const subsets = [[0], [66], [5, 6, 7], [0, 31, 32, 63, 64, 66], Array.from({ length: n }, (_, i) => i), [10, 40]];
    for (const subset of subsets) {
      const proof = await multiProof(src, subset, n);
      const leaves = subset.map((i): [number, Hash] => [i, many[i]!]);
      expect(rootFromLeaves(leaves, n, proof)?.equals(root), subset.join(",")).toBe(true);
      // A leaf dropped, a leaf altered, a hash missing or one too many: no root.
      if (subset.length > 1) expect(rootFromLeaves(leaves.slice(1), n, proof)?.equals(root) ?? false).toBe(false);
      expect(rootFromLeaves(leaves.map(([i], k): [number, Hash] => [i, k === 0 ? many[69]! : many[i]!]), n, proof)?.equals(root) ?? false).toBe(false);
      if (proof.length > 0) expect(rootFromLeaves(leaves, n, proof.slice(1))).toBeUndefined();
      expect(rootFromLeaves(leaves, n, [...proof, many[0]!])).toBeUndefined();
    }
    // The full tree needs no hash at all; one leaf's multi-proof holds its audit path's hashes.
    expect(await multiProof(src, Array.from({ length: n }, (_, i) => i), n)).toEqual([]);
    expect(hex(await multiProof(src, [9], n)).sort()).toEqual(hex(await inclusionProof(src, 9, n)).sort());
  });
});
