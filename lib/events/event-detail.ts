import { pool, readPool } from "@/lib/db/pool";
import { contentHash, linkHash, GENESIS_HASH } from "@/lib/integrity/chain";
import { latestCheckpoint } from "@/lib/integrity/checkpoints";
import { eventLeaf, verifyInclusion } from "@/lib/integrity/merkle";
import { inclusionAt } from "@/lib/integrity/tree";
import { getEvent, getEventBySeq } from "@/lib/events/search";
import type { AuditEvent } from "@/lib/events/types";

export interface ChainPosition {
  seq: number;
  head_seq: number;
  prev_hash: string;
  hash: string;
  /** The event's content matches content_hash, its hash links to prev_hash, and prev_hash is its predecessor's hash. */
  verified: boolean;
  /** Its RFC 6962 inclusion proof against the latest signed tree head, once a head covers it. */
  proof: InclusionProof | null;
}

export interface InclusionProof {
  /** seq − 1. */
  leaf_index: number;
  tree_size: number;
  root_hash: string;
  /** The audit path, bottom up (RFC 6962 PATH), hex. */
  inclusion: string[];
  /** The proof takes the event's leaf hash to root_hash. */
  proven: boolean;
  /** The signed tree head (C2SP signed note) of tree_size. */
  checkpoint: { id: string; signed_at: string; key_id: string; note: string };
}

async function inclusionOf(orgId: string, event: AuditEvent): Promise<InclusionProof | null> {
  const cp = await latestCheckpoint(orgId);
  if (!cp?.note || !cp.rootHash || cp.seq < event.seq) return null;
  const path = await inclusionAt(readPool(), orgId, event.seq - 1, cp.seq);
  return {
    leaf_index: event.seq - 1, tree_size: cp.seq, root_hash: cp.rootHash, inclusion: path.map((h) => h.toString("hex")),
    proven: verifyInclusion(eventLeaf(event.hash), event.seq - 1, cp.seq, path, Buffer.from(cp.rootHash, "hex")),
    checkpoint: { id: cp.id, signed_at: cp.signedAt.toISOString(), key_id: cp.keyId, note: cp.note },
  };
}

export async function eventWithChain(orgId: string, id: string): Promise<(AuditEvent & { chain: ChainPosition }) | undefined> {
  const event = await getEvent(orgId, id);
  if (!event) return undefined;
  const head = await pool().query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
  const prev = event.seq > 1 ? await getEventBySeq(orgId, event.seq - 1) : undefined;
  // A predecessor removed by retention can't be checked here; the archive holds it.
  const expectedPrev = event.seq === 1 ? GENESIS_HASH : prev?.hash ?? event.prev_hash;
  const verified = contentHash(event) === event.content_hash
    && linkHash(event.prev_hash, event.content_hash) === event.hash
    && event.prev_hash === expectedPrev;
  return {
    ...event,
    chain: { seq: event.seq, head_seq: head.rows[0]?.seq ?? event.seq, prev_hash: event.prev_hash, hash: event.hash, verified, proof: await inclusionOf(orgId, event) },
  };
}
