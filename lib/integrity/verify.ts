import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { readPool } from "@/lib/db/pool";
import { ChainVerifier, contentHash } from "@/lib/integrity/chain";
import { eventLeaf, perfectRoot, type Hash } from "@/lib/integrity/merkle";
import { ROW, ROW_COLUMNS, RAW_TEXT, contentHashOfRow, type RawRow } from "@/lib/integrity/row-hash";
import { rootIfStored } from "@/lib/integrity/tree";
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
  /** Stored tree nodes compared with the events (or nodes) under them. */
  nodes_checked: number;
  first_bad_seq: number | null;
  head_seq: number;
  head_hash: string | null;
  /** Events the latest checkpoint vouches for that are no longer there. */
  missing: number;
  checkpoint: { seq: number; hash: string; signed_at: string } | null;
  problems: string[];
}

/** Rows per read: a multiple of 256, so each read ends on a block of the tree. */
const READ_BATCH = 2048;
/** Events hashed between two yields: a few milliseconds of work on this machine. */
const HASH_SLICE = 200;

/**
 * What a pass checks as it reads: the chain (ChainVerifier) and the stored tree. Each block
 * of 256 events read whole has its level-8 root worked out from their chain hashes and
 * compared with the one stored in merkle_nodes; each stored node above (level 16, 24…)
 * whose children are stored is compared with the root of those children, when the pass
 * reaches its end. A stored node that isn't there is not a break (it is made again from
 * the leaves by completeTree); one that differs is, since proofs would be made from it.
 */
class TreeCheck {
  nodesChecked = 0;
  problems: Array<{ seq: number; message: string }> = [];
  private leaves: Hash[] = [];
  private blockStart: number;

  constructor(private readonly orgId: string, fromIndex: number) {
    this.blockStart = fromIndex - (fromIndex % 256);
    // A pass that starts inside a block checks from the next one.
    if (fromIndex % 256 !== 0) this.blockStart += 256;
  }

  /** The leaf of the event at seq `index + 1`; a gap restarts at the next block. */
  leaf(index: number, chainHash: string): void {
    if (index < this.blockStart) return;
    if (index !== this.blockStart + this.leaves.length) {
      this.leaves = [];
      this.blockStart = index - (index % 256) + (index % 256 === 0 ? 0 : 256);
      if (index !== this.blockStart) return;
    }
    this.leaves.push(eventLeaf(chainHash));
    if (this.leaves.length === 256) {
      this.pending.push([this.blockStart / 256, perfectRoot(this.leaves)]);
      this.leaves = [];
      this.blockStart += 256;
    }
  }

  private pending: Array<[number, Hash]> = [];

  /** Compares the blocks completed since the last call with the stored nodes. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const blocks = this.pending;
    this.pending = [];
    const { rows } = await readPool().query<{ idx: string; hash: Buffer }>(
      "select idx, hash from merkle_nodes where org_id = $1 and level = 8 and idx between $2 and $3",
      [this.orgId, blocks[0]![0], blocks.at(-1)![0]],
    );
    const stored = new Map(rows.map((r) => [Number(r.idx), r.hash]));
    for (const [b, root] of blocks) {
      const kept = stored.get(b);
      if (!kept) continue;
      this.nodesChecked++;
      if (!kept.equals(root)) this.problems.push({ seq: b * 256 + 1, message: `the stored tree node over seq ${b * 256 + 1}–${b * 256 + 256} is not the root of those events` });
      // The end of a larger subtree: its stored node against its stored children.
      for (let level = 16, i = b; (i + 1) % 256 === 0; level += 8) {
        i = (i + 1) / 256 - 1;
        await this.checkAbove(level, i);
      }
    }
  }

  private async checkAbove(level: number, index: number): Promise<void> {
    const { rows } = await readPool().query<{ level: number; idx: string; hash: Buffer }>(
      "select level, idx, hash from merkle_nodes where org_id = $1 and ((level = $2 and idx = $3) or (level = $4 and idx between $5 and $6)) order by level, idx",
      [this.orgId, level, index, level - 8, index * 256, index * 256 + 255],
    );
    const parent = rows.find((r) => r.level === level);
    const children = rows.filter((r) => r.level === level - 8);
    if (!parent || children.length !== 256) return;
    this.nodesChecked++;
    if (!perfectRoot(children.map((r) => r.hash)).equals(parent.hash)) {
      const first = index * 2 ** level + 1;
      this.problems.push({ seq: first, message: `the stored tree node over seq ${first}–${first + 2 ** level - 1} is not the root of the nodes below it` });
    }
  }
}

/** Where a pass starts: after `seq`, whose chain hash `hash` the next event must link to. */
export interface PassStart {
  seq: number;
  hash: string;
}

export interface PassProgress {
  /** The last seq read; the pass can go on after it with these counts. */
  seq: number;
  hash: string | undefined;
  checked: number;
  nodesChecked: number;
}

/**
 * Reads the events (after, to] in seq order, in batches, and feeds them to the checks,
 * hashing in slices that yield to the event loop. `onBatch` hears the progress after each
 * batch (the full pass keeps it, to resume from). A row whose content hash the fast path
 * (row-hash.ts) doesn't reproduce is hashed again by the reference code, which decides.
 */
async function readPass(
  orgId: string,
  after: number,
  to: number,
  verifier: ChainVerifier,
  tree: TreeCheck,
  archivedUpTo: (from: number, to: number) => boolean,
  segmentHashAt: (seq: number) => string | undefined,
  onBatch?: (p: PassProgress) => Promise<void>,
): Promise<void> {
  const first = after;
  const read = (from: number) =>
    readPool().query<RawRow>({
      text: `select ${ROW_COLUMNS} from audit_events where org_id = $1 and seq > $2 and seq <= $3 order by seq limit $4`,
      values: [orgId, from, to, READ_BATCH],
      rowMode: "array",
      types: RAW_TEXT,
    });
  // The next batch is read while this one is hashed.
  let next = after < to ? read(after) : undefined;
  while (next) {
    const { rows } = await next;
    const full = rows.length === READ_BATCH;
    next = full ? read(Number(rows[rows.length - 1]![ROW.seq])) : undefined;
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % HASH_SLICE === 0) await yieldToEventLoop();
      const row = rows[i]!;
      const seq = Number(row[ROW.seq]);
      const expected = (verifier.lastSeq ?? first) + 1;
      if (seq > expected && archivedUpTo(expected, seq - 1)) {
        verifier.lastSeq = seq - 1;
        verifier.lastHash = segmentHashAt(seq - 1) ?? row[ROW.prev_hash]!;
      }
      const stored = row[ROW.content_hash]!;
      let computed = contentHashOfRow(row);
      if (computed !== stored) computed = await referenceContentHash(orgId, seq);
      verifier.addHashed(seq, computed, stored, row[ROW.prev_hash]!, row[ROW.hash]!);
      tree.leaf(seq - 1, row[ROW.hash]!);
    }
    await tree.flush();
    await yieldToEventLoop();
    if (rows.length === 0) break;
    await onBatch?.({ seq: Number(rows[rows.length - 1]![ROW.seq]), hash: verifier.lastHash, checked: verifier.checked, nodesChecked: tree.nodesChecked });
  }
}

/** The content hash of one stored event by the reference code (lib/integrity/chain.ts). */
async function referenceContentHash(orgId: string, seq: number): Promise<string> {
  const { rows } = await readPool().query<EventRow>(`select ${EVENT_COLUMNS} from audit_events where org_id = $1 and seq = $2`, [orgId, seq]);
  return rows[0] ? contentHash(rowToEvent(rows[0])) : "";
}

/** Seq ranges that retention removed after verified archive segments took them (lib/retention). */
async function archivedRanges(orgId: string) {
  // A gap inside them is not a loss, and where a segment ends right before the gap's end,
  // its last hash is the link the next stored event must follow.
  const { rows: segments } = await readPool().query<{ from_seq: number; to_seq: number; last_hash: string }>(
    "select from_seq, to_seq, last_hash from archive_segments where org_id = $1 order by from_seq",
    [orgId],
  );
  const archivedUpTo = (from: number, to: number): boolean => {
    let next = from;
    for (const sg of segments) if (sg.from_seq <= next && sg.to_seq >= next) next = Number(sg.to_seq) + 1;
    return next > to;
  };
  const segmentHashAt = (seq: number) => segments.find((sg) => Number(sg.to_seq) === seq)?.last_hash;
  return { archivedUpTo, segmentHashAt };
}

/** A pass's state after a batch: enough to resume it from there (VerifyOptions.after and resume). */
export type BatchProgress = PassProgress & { gaps: number; firstMissingSeq: number | null; problems: string[]; firstBadSeq: number | null };

export interface VerifyOptions {
  /** Re-hash from this seq (default 1), linking to the stored event before it. */
  fromSeq?: number;
  /** Re-hash after this verified head instead, linking to its hash as recorded. */
  after?: PassStart;
  /** A pass resumed: its counts so far (the full pass, lib/integrity/verified-state.ts). */
  resume?: { checked: number; nodesChecked: number; gaps: number; firstMissingSeq: number | null; problems: string[]; firstBadSeq: number | null };
  /** Stop at this seq instead of the head. */
  toSeq?: number;
  onBatch?: (p: BatchProgress) => Promise<void>;
}

export async function verifyOrgChain(orgId: string, opts: VerifyOptions = {}): Promise<ChainVerification> {
  // The head first: every event up to it is committed, so events appended while the chain
  // is read are left for the next verification instead of looking like a chain cut short.
  const head = (await readPool().query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1", [orgId])).rows[0];
  const headSeq = Math.min(Number(head?.seq ?? 0), opts.toSeq ?? Infinity);
  const verifier = new ChainVerifier();
  const extra: Array<{ seq: number; message: string }> = [];
  // A chain now shorter than the range asked for (rows cut from its end, the head moved
  // back) is read from its last event, so the cut shows against the checkpoint.
  const from = opts.after ? opts.after.seq + 1 : (opts.fromSeq ?? 1);
  const start = opts.after && opts.after.seq <= headSeq ? opts.after.seq : Math.min(from - 1, Math.max(0, headSeq - 1));
  if (opts.after && start === opts.after.seq) {
    verifier.lastSeq = opts.after.seq;
    verifier.lastHash = opts.after.hash;
    // The verified head itself must still be what was verified.
    const at = await readPool().query<{ hash: string }>("select hash from audit_events where org_id = $1 and seq = $2", [orgId, opts.after.seq]);
    if (at.rows[0] && at.rows[0].hash !== opts.after.hash) extra.push({ seq: opts.after.seq, message: `the event at seq ${opts.after.seq} no longer has the hash it was verified with` });
  } else if (start > 0) {
    // Start from a trusted link: the hash of the event before the range.
    const prev = await readPool().query<{ seq: number; hash: string }>("select seq, hash from audit_events where org_id = $1 and seq = $2", [orgId, start]);
    if (prev.rows[0]) {
      verifier.lastSeq = Number(prev.rows[0].seq);
      verifier.lastHash = prev.rows[0].hash;
    }
  }
  if (opts.resume) {
    verifier.checked = opts.resume.checked;
    verifier.gaps = opts.resume.gaps;
    verifier.firstMissingSeq = opts.resume.firstMissingSeq ?? undefined;
  }
  const tree = new TreeCheck(orgId, start);
  if (opts.resume) tree.nodesChecked = opts.resume.nodesChecked;
  const { archivedUpTo, segmentHashAt } = await archivedRanges(orgId);
  const resumed = opts.resume;
  await readPass(orgId, start, headSeq, verifier, tree, archivedUpTo, segmentHashAt, opts.onBatch && (async (p) => {
    const found = [...(resumed?.problems ?? []), ...extra.map((e) => e.message), ...verifier.problems.map((q) => q.message), ...tree.problems.map((q) => q.message)];
    const firstBad = Math.min(resumed?.firstBadSeq ?? Infinity, verifier.firstBadSeq ?? Infinity, ...tree.problems.map((q) => q.seq));
    await opts.onBatch!({ ...p, gaps: verifier.gaps, firstMissingSeq: verifier.firstMissingSeq ?? null, problems: found, firstBadSeq: Number.isFinite(firstBad) ? firstBad : null });
  }));
  // A resumed pass is a pass from the genesis.
  const whole = start === 0 || resumed !== undefined;
  const problems = [...(resumed?.problems ?? []), ...extra.map((e) => e.message), ...verifier.problems.map((p) => p.message), ...tree.problems.map((p) => p.message)];
  const firstBadFound = Math.min(resumed?.firstBadSeq ?? Infinity, ...extra.map((e) => e.seq), verifier.firstBadSeq ?? Infinity, ...tree.problems.map((p) => p.seq));
  let firstBad: number | null = Number.isFinite(firstBadFound) ? firstBadFound : null;
  if (verifier.lastSeq !== undefined && verifier.lastSeq !== headSeq) {
    problems.push(`the last stored event is seq ${verifier.lastSeq} but the chain head is ${headSeq}`);
    firstBad ??= Math.min(verifier.lastSeq, headSeq) + 1;
  }
  if (whole && verifier.gaps > 0) {
    problems.push(`${verifier.gaps} gap(s) in seq: events are missing from the middle of the chain`);
    firstBad = Math.min(firstBad ?? Infinity, verifier.firstMissingSeq!);
  }
  const cp = await latestCheckpoint(orgId);
  let missing = 0;
  // A pass stopped short of the head (toSeq) says nothing of a checkpoint beyond it.
  if (cp && cp.seq <= headSeq + (headSeq === Number(head?.seq ?? 0) ? Infinity : 0)) {
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
      const root = cp.rootHash ? await rootIfStored(readPool(), orgId, cp.seq) : undefined;
      if (root && root.toString("hex") !== cp.rootHash) {
        problems.push(`the stored tree's root at size ${cp.seq} is not the root signed in the checkpoint of ${cp.signedAt.toISOString()}`);
        firstBad ??= cp.seq;
      }
    }
  }
  return {
    ok: problems.length === 0,
    from_seq: whole ? 1 : start + 1,
    checked: verifier.checked,
    nodes_checked: tree.nodesChecked,
    first_bad_seq: firstBad,
    head_seq: headSeq,
    head_hash: headSeq === Number(head?.seq ?? 0) ? (head?.hash ?? null) : verifier.lastSeq === headSeq ? verifier.lastHash! : null,
    missing,
    checkpoint: cp ? { seq: cp.seq, hash: cp.hash, signed_at: cp.signedAt.toISOString() } : null,
    problems,
  };
}
