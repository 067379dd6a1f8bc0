import { withTransaction } from "@/lib/db/pool";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import { contentHash, linkHash } from "@/lib/integrity/chain";
import { completeTree } from "@/lib/integrity/tree";

/**
 * The attacker with write access to the database (as the table owner, triggers off):
 * rewrites seq `at`, re-hashes the chain to the head, rebuilds the tree and drops every
 * record inside the database that remembers the old history (checkpoints, verifications).
 * Chain and tree are self-consistent again; only heads kept outside show it.
 */
export async function rewriteHistory(orgId: string, at: number): Promise<void> {
  await withTransaction(async (c) => {
    await c.query("set local session_replication_role = replica");
    const { rows } = await c.query<EventRow>(`select ${EVENT_COLUMNS} from audit_events where org_id = $1 and seq >= $2 order by seq`, [orgId, at]);
    let prev = rows[0]!.prev_hash;
    for (const row of rows) {
      const e = rowToEvent(row);
      if (e.seq === at) e.reason = "nothing to see here";
      const ch = contentHash(e);
      const hash = linkHash(prev, ch);
      await c.query("update audit_events set reason = $3, content_hash = $4, prev_hash = $5, hash = $6 where org_id = $1 and seq = $2", [orgId, e.seq, e.reason, ch, prev, hash]);
      prev = hash;
    }
    await c.query("update chain_heads set hash = $2 where org_id = $1", [orgId, prev]);
    for (const table of ["merkle_nodes", "checkpoints", "chain_verifications", "verified_heads", "verification_runs"]) {
      await c.query(`delete from ${table} where org_id = $1`, [orgId]);
    }
    await completeTree(c, orgId, rows.at(-1)!.seq);
  });
}
