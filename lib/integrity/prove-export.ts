import { pool } from "@/lib/db/pool";
import { keyFor, latestCheckpoint, signingKey, takeCheckpoint } from "@/lib/integrity/checkpoints";
import { makeExportProof, proofLine, unprovenLine } from "@/lib/integrity/export-proof";
import { multiProofAt } from "@/lib/integrity/tree";
import { verifyOrg } from "@/lib/integrity/verify-job";

/**
 * What an NDJSON export needs to prove itself: the chain verified since its last
 * checkpoint and the head signed (the verify job's rule: nothing unverified is signed),
 * that signed tree head to stop at, and, once the rows are out, the proof line for the
 * seqs it held. A chain that fails verification is exported with a line saying so: no
 * head is signed for it.
 */
export async function prepareExportProof(orgId: string, filter: string): Promise<{ treeSize?: number; line: (seqs: number[]) => Promise<string> }> {
  const verified = await verifyOrg(orgId);
  if (!verified.ok) {
    return { line: async () => unprovenLine(orgId, `the org's chain failed verification at seq ${verified.first_bad_seq}: no tree head was signed for this export`) };
  }
  let cp = await latestCheckpoint(orgId);
  let key = cp?.note ? await keyFor(cp.keyId) : undefined;
  if (!cp || !cp.note || !key) {
    // A head signed before the tree (or by a key whose private half is gone): sign it again now.
    cp = await takeCheckpoint(orgId, cp ? { seq: cp.seq, hash: cp.hash } : undefined);
    key = await signingKey();
  }
  const head = cp;
  const signer = key;
  return {
    treeSize: head.seq,
    line: async (seqs) => proofLine(makeExportProof(head, signer, filter, seqs, await multiProofAt(pool(), orgId, seqs.map((s) => s - 1), head.seq))),
  };
}
