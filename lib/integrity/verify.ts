import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { readPool } from "@/lib/db/pool";
import { ChainVerifier } from "@/lib/integrity/chain";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import { latestCheckpoint } from "@/lib/integrity/checkpoints";

/**
 * Re-verifies an org's chain from the database, in seq order and in bounded batches, and
 * compares the head with the latest signed checkpoint: rows deleted from the end of the
 * chain leave no broken link, but they leave the chain shorter than what was signed.
 *
 * Hashing is CPU work on the event loop, so rows are hashed in slices that yield between
 * them: a verification of a million events takes its time but never holds up the requests
 * around it. Requests don't verify whole chains (lib/integrity/status.ts); the verify job does.
 */

export interface ChainVerification {
  ok: boolean;
  /** The first seq re-hashed: 1, or where a verification since a checkpoint started. */
  from_seq: number;
  checked: number;
  first_bad_seq: number | null;
  head_seq: number;
  head_hash: string | null;
  /** Events the latest checkpoint vouches for that are no longer there. */
  missing: number;
  checkpoint: { seq: number; hash: string; signed_at: string } | null;
  problems: string[];
}

const READ_BATCH = 2000;
/** Events hashed between two yields: about 10–20 ms of work on this machine. */
const HASH_SLICE = 200;

export async function verifyOrgChain(orgId: string, opts: { fromSeq?: number } = {}): Promise<ChainVerification> {
  // The head first: every event up to it is committed, so events appended while the chain
  // is read are left for the next verification instead of looking like a chain cut short.
  const head = (await readPool().query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1", [orgId])).rows[0];
  const headSeq = head?.seq ?? 0;
  const verifier = new ChainVerifier();
  // A chain now shorter than the range asked for (rows cut from its end, the head moved
  // back) is read from its last event, so the cut shows against the checkpoint.
  const start = Math.min((opts.fromSeq ?? 1) - 1, Math.max(0, headSeq - 1));
  let after = start;
  if (after > 0) {
    // Start from a trusted link: the hash of the event before the range.
    const prev = await readPool().query<{ seq: number; hash: string }>("select seq, hash from audit_events where org_id = $1 and seq = $2", [orgId, after]);
    if (prev.rows[0]) {
      verifier.lastSeq = prev.rows[0].seq;
      verifier.lastHash = prev.rows[0].hash;
    }
  }
  // Seq ranges that retention removed after verified archive segments took them (lib/retention):
  // a gap inside them is not a loss, and where a segment ends right before the gap's end,
  // its last hash is the link the next stored event must follow.
  const { rows: segments } = await readPool().query<{ from_seq: number; to_seq: number; last_hash: string }>(
    "select from_seq, to_seq, last_hash from archive_segments where org_id = $1 order by from_seq",
    [orgId],
  );
  const archivedUpTo = (from: number, to: number): boolean => {
    let next = from;
    for (const sg of segments) if (sg.from_seq <= next && sg.to_seq >= next) next = sg.to_seq + 1;
    return next > to;
  };
  while (after < headSeq) {
    const { rows } = await readPool().query<EventRow>(
      `select ${EVENT_COLUMNS} from audit_events where org_id = $1 and seq > $2 and seq <= $3 order by seq limit $4`,
      [orgId, after, headSeq, READ_BATCH],
    );
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % HASH_SLICE === 0) await yieldToEventLoop();
      const event = rowToEvent(rows[i]!);
      const expected = (verifier.lastSeq ?? start) + 1;
      if (event.seq > expected && archivedUpTo(expected, event.seq - 1)) {
        verifier.lastSeq = event.seq - 1;
        verifier.lastHash = segments.find((sg) => sg.to_seq === event.seq - 1)?.last_hash ?? event.prev_hash;
      }
      verifier.add(event);
    }
    await yieldToEventLoop();
    if (rows.length < READ_BATCH) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  const problems = verifier.problems.map((p) => p.message);
  let firstBad = verifier.firstBadSeq;
  if (verifier.lastSeq !== undefined && verifier.lastSeq !== headSeq) {
    problems.push(`the last stored event is seq ${verifier.lastSeq} but the chain head is ${headSeq}`);
    firstBad ??= Math.min(verifier.lastSeq, headSeq) + 1;
  }
  if (start === 0 && verifier.gaps > 0) {
    problems.push(`${verifier.gaps} gap(s) in seq: events are missing from the middle of the chain`);
    firstBad = Math.min(firstBad ?? Infinity, verifier.firstMissingSeq!);
  }
  const cp = await latestCheckpoint(orgId);
  let missing = 0;
  if (cp) {
    const lastSeq = verifier.lastSeq ?? 0;
    if (lastSeq < cp.seq) {
      missing = cp.seq - lastSeq;
      problems.push(`${missing} event(s) signed in the checkpoint of ${cp.signedAt.toISOString()} (seq ${cp.seq}) are missing`);
      firstBad ??= lastSeq + 1;
    } else {
      const at = await readPool().query<{ hash: string }>("select hash from audit_events where org_id = $1 and seq = $2", [orgId, cp.seq]);
      if (at.rows[0] && at.rows[0].hash !== cp.hash) {
        problems.push(`the event at checkpoint seq ${cp.seq} no longer has the signed hash`);
        firstBad ??= cp.seq;
      }
    }
  }
  return {
    ok: problems.length === 0,
    from_seq: start + 1,
    checked: verifier.checked,
    first_bad_seq: firstBad,
    head_seq: headSeq,
    head_hash: head?.hash ?? null,
    missing,
    checkpoint: cp ? { seq: cp.seq, hash: cp.hash, signed_at: cp.signedAt.toISOString() } : null,
    problems,
  };
}
