import { pool } from "@/lib/db/pool";
import { contentHash, linkHash, GENESIS_HASH } from "@/lib/integrity/chain";
import { getEvent, getEventBySeq } from "@/lib/events/search";
import type { AuditEvent } from "@/lib/events/types";

export interface ChainPosition {
  seq: number;
  head_seq: number;
  prev_hash: string;
  hash: string;
  /** The event's content matches content_hash, its hash links to prev_hash, and prev_hash is its predecessor's hash. */
  verified: boolean;
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
    chain: { seq: event.seq, head_seq: head.rows[0]?.seq ?? event.seq, prev_hash: event.prev_hash, hash: event.hash, verified },
  };
}
