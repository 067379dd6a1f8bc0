import { z } from "zod";
import { readPool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { checkpointOfSize, checkpointToJson, listCheckpoints, type CheckpointJson } from "@/lib/integrity/checkpoints";
import { consistencyAt, rootAt } from "@/lib/integrity/tree";

/**
 * Proofs an auditor asks for over the API, from the stored tree (lib/integrity/tree.ts), on
 * the read pool: a consistency proof that the tree of size `from` (a head they kept) is a
 * prefix of the tree of size `to` (default: the latest signed head).
 */

export const consistencyQuerySchema = z.strictObject({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  to: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export interface ConsistencyAnswer {
  from: number;
  to: number;
  from_root: string;
  to_root: string;
  /** RFC 6962 PROOF(from, D[0:to]), hex, in the RFC's order. */
  proof: string[];
  /** The signed head of size `to`, when there is one. */
  checkpoint: CheckpointJson | null;
}

export async function treeConsistency(orgId: string, from: number, to?: number): Promise<ConsistencyAnswer> {
  const latest = (await listCheckpoints(orgId, 1))[0];
  const size = to ?? latest?.seq;
  if (size === undefined) throw new VigilError("not_found", "the org has no signed tree head yet: give `to`");
  const head = await readPool().query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
  const headSeq = Number(head.rows[0]?.seq ?? 0);
  if (size > headSeq) throw new VigilError("invalid_request", `to is past the log's size (${headSeq})`, [{ path: "to", message: `must be at most ${headSeq}` }]);
  if (from > size) throw new VigilError("invalid_request", "from must not be greater than to", [{ path: "from", message: `must be at most ${size}` }]);
  const [proof, fromRoot, toRoot] = await Promise.all([consistencyAt(readPool(), orgId, from, size), rootAt(readPool(), orgId, from), rootAt(readPool(), orgId, size)]);
  const signed = latest && latest.seq === size && latest.note ? latest : await checkpointOfSize(orgId, size);
  return {
    from, to: size, from_root: fromRoot.toString("hex"), to_root: toRoot.toString("hex"), proof: proof.map((h) => h.toString("hex")),
    checkpoint: signed ? checkpointToJson(signed) : null,
  };
}
