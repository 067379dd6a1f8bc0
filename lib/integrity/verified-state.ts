import { pool, readPool } from "@/lib/db/pool";
import { GENESIS_HASH } from "@/lib/integrity/chain";
import { EMPTY_ROOT, verifyConsistency, type Hash } from "@/lib/integrity/merkle";
import { consistencyAt, rootIfStored } from "@/lib/integrity/tree";
import { verifyOrgChain, type BatchProgress, type ChainVerification } from "@/lib/integrity/verify";

/**
 * Verification that costs what was appended, not what is stored (issue 12, item 5).
 *
 * Each org has a verified head (verified_heads): the last tree size whose chain and stored
 * tree were checked, with its chain hash and tree root. An incremental verification re-hashes
 * only the events after it — the first of them must link to its hash, the event at it must
 * still have that hash — checks the stored tree nodes those events complete, and proves the
 * stored tree at the new head consistent with the verified root (RFC 9162 §2.1.4.2): a node
 * under the verified part rewritten since shows there, with O(log n) reads. Then the head
 * moves on. 1,000 new events cost the same at 10M events as at 10,000 (bench/verify.ts).
 *
 * The full pass from the genesis stays, as a background run of the verify job that keeps
 * its cursor after every batch (verification_runs): a pass cut short resumes where it
 * stopped. Its result is chain_verifications, which every answer joins (status.ts).
 */

export interface VerifiedHead {
  seq: number;
  hash: string;
  rootHash: Hash;
  verifiedAt: string;
  /** What the last incremental verification found after it; empty when it held. */
  problems: string[];
  firstBadSeq: number | null;
}

export async function verifiedHead(orgId: string): Promise<VerifiedHead | undefined> {
  const { rows } = await readPool().query<{ seq: string; hash: string; root_hash: Buffer; verified_at: Date; problems: string[]; first_bad_seq: string | null }>(
    "select seq, hash, root_hash, verified_at, problems, first_bad_seq from verified_heads where org_id = $1",
    [orgId],
  );
  const r = rows[0];
  return r
    ? { seq: Number(r.seq), hash: r.hash, rootHash: r.root_hash, verifiedAt: r.verified_at.toISOString(), problems: r.problems, firstBadSeq: r.first_bad_seq === null ? null : Number(r.first_bad_seq) }
    : undefined;
}

/** Moves the verified head forward (never back: a slower pass of another process may finish later). */
async function advance(orgId: string, seq: number, hash: string, root: Hash): Promise<void> {
  await pool().query(
    `insert into verified_heads (org_id, seq, hash, root_hash) values ($1, $2, $3, $4)
     on conflict (org_id) do update set seq = excluded.seq, hash = excluded.hash, root_hash = excluded.root_hash,
       verified_at = now(),
       -- A break found after the new head is still there.
       problems = case when verified_heads.first_bad_seq > excluded.seq then verified_heads.problems else '{}' end,
       first_bad_seq = case when verified_heads.first_bad_seq > excluded.seq then verified_heads.first_bad_seq end
     where verified_heads.seq <= excluded.seq`,
    [orgId, seq, hash, root],
  );
}

async function recordBreak(orgId: string, v: { first_bad_seq: number | null; problems: string[] }): Promise<void> {
  await pool().query(
    `insert into verified_heads (org_id, seq, hash, root_hash, problems, first_bad_seq) values ($1, 0, $2, $3, $4, $5)
     on conflict (org_id) do update set problems = excluded.problems, first_bad_seq = excluded.first_bad_seq`,
    [orgId, GENESIS_HASH, EMPTY_ROOT, v.problems, v.first_bad_seq],
  );
}

export interface IncrementalVerification extends ChainVerification {
  /** The verified head after this verification. */
  verified_seq: number;
}

/** Verifies what came after the verified head, and moves the head to what held. */
export async function verifyIncrementally(orgId: string): Promise<IncrementalVerification> {
  const state = await verifiedHead(orgId);
  const from = state && state.seq > 0 ? { seq: state.seq, hash: state.hash } : undefined;
  const v = await verifyOrgChain(orgId, { after: from });
  const problems = [...v.problems];
  let firstBad = v.first_bad_seq;
  if (state && v.head_seq < state.seq) {
    problems.push(`the chain head is seq ${v.head_seq}, but seq ${state.seq} was verified at ${state.verifiedAt}: ${state.seq - v.head_seq} event(s) are missing`);
    firstBad ??= v.head_seq + 1;
  }
  let root: Hash | undefined;
  if (problems.length === 0) {
    root = await rootIfStored(readPool(), orgId, v.head_seq);
    if (root && state && state.seq > 0 && state.seq <= v.head_seq) {
      const proof = state.seq < v.head_seq ? await consistencyAt(readPool(), orgId, state.seq, v.head_seq) : [];
      const consistent = state.seq === v.head_seq ? root.equals(state.rootHash) : verifyConsistency(state.seq, v.head_seq, state.rootHash, root, proof);
      if (!consistent) {
        problems.push(`the stored tree at size ${v.head_seq} does not extend the tree of size ${state.seq} verified at ${state.verifiedAt}`);
        firstBad ??= 1;
      }
    }
  }
  const result = { ...v, ok: problems.length === 0, problems, first_bad_seq: firstBad };
  if (!result.ok) {
    await recordBreak(orgId, result);
    return { ...result, verified_seq: state?.seq ?? 0 };
  }
  // A log whose early leaves are gone has no root to keep: its chain verified, its head stays.
  // Nothing new and nothing to clear: nothing written (no row lock taken for nothing).
  const unchanged = state && state.seq === v.head_seq && state.problems.length === 0 && root?.equals(state.rootHash);
  if (unchanged) return { ...result, verified_seq: state.seq };
  if (root && v.head_hash !== null) await advance(orgId, v.head_seq, v.head_hash, root);
  else if (v.head_seq === 0) await advance(orgId, 0, GENESIS_HASH, EMPTY_ROOT);
  return { ...result, verified_seq: root ? v.head_seq : (state?.seq ?? 0) };
}

export interface FullRun {
  started_at: string;
  updated_at: string;
  target_seq: number;
  cursor_seq: number;
  checked: number;
}

/** A full verification in progress (or cut short, to be resumed), if any. */
export async function runningFullVerification(orgId: string): Promise<FullRun | undefined> {
  const { rows } = await readPool().query<{ started_at: Date; updated_at: Date; target_seq: string; cursor_seq: string; checked: string }>(
    "select started_at, updated_at, target_seq, cursor_seq, checked from verification_runs where org_id = $1",
    [orgId],
  );
  const r = rows[0];
  return r
    ? { started_at: r.started_at.toISOString(), updated_at: r.updated_at.toISOString(), target_seq: Number(r.target_seq), cursor_seq: Number(r.cursor_seq), checked: Number(r.checked) }
    : undefined;
}

/** How often a full pass saves its cursor, in events. */
const SAVE_EVERY = 50_000;

interface RunRow {
  target_seq: string;
  cursor_seq: string;
  cursor_hash: string | null;
  checked: string;
  nodes_checked: string;
  gaps: string;
  first_missing_seq: string | null;
  first_bad_seq: string | null;
  problems: string[];
}

const num = (v: string | null) => (v === null ? null : Number(v));

/**
 * The whole chain and stored tree from the genesis to the head as it was when the pass
 * began, resuming a pass cut short. Returns what it found; the caller records it
 * (status.ts recordFullVerification). A pass that held moves the verified head up to it.
 */
export interface FullOptions {
  /** Save the cursor after this many events (default 50,000). */
  saveEvery?: number;
  /** Stops the pass after the next batch, its cursor saved (a shutdown); the promise rejects with the reason. */
  signal?: AbortSignal;
  /** Heard after each save (tests). */
  onSaved?: (cursorSeq: number) => void;
}

export async function fullVerification(orgId: string, opts: FullOptions = {}): Promise<ChainVerification> {
  const saveEvery = opts.saveEvery ?? SAVE_EVERY;
  await pool().query(
    `insert into verification_runs (org_id, target_seq)
     select $1, coalesce((select seq from chain_heads where org_id = $1), 0)
     on conflict (org_id) do nothing`,
    [orgId],
  );
  const run = (await pool().query<RunRow>(
    "select target_seq, cursor_seq, cursor_hash, checked, nodes_checked, gaps, first_missing_seq, first_bad_seq, problems from verification_runs where org_id = $1",
    [orgId],
  )).rows[0]!;
  const cursor = Number(run.cursor_seq);
  const resumed = cursor > 0 && run.cursor_hash !== null;
  let saved = Number(run.checked);
  const save = async (p: BatchProgress): Promise<void> => {
    saved = p.checked;
    await pool().query(
      `update verification_runs set updated_at = now(), cursor_seq = $2, cursor_hash = $3, checked = $4, nodes_checked = $5, gaps = $6,
         first_missing_seq = $7, first_bad_seq = $8, problems = $9
       where org_id = $1`,
      [orgId, p.seq, p.hash, p.checked, p.nodesChecked, p.gaps, p.firstMissingSeq, p.firstBadSeq, p.problems.slice(0, 100)],
    );
    opts.onSaved?.(p.seq);
  };
  const v = await verifyOrgChain(orgId, {
    after: resumed ? { seq: cursor, hash: run.cursor_hash! } : undefined,
    resume: resumed
      ? { checked: Number(run.checked), nodesChecked: Number(run.nodes_checked), gaps: Number(run.gaps), firstMissingSeq: num(run.first_missing_seq), firstBadSeq: num(run.first_bad_seq), problems: run.problems }
      : undefined,
    toSeq: Number(run.target_seq),
    onBatch: async (p) => {
      if (p.hash !== undefined && (p.checked - saved >= saveEvery || opts.signal?.aborted)) await save(p);
      if (opts.signal?.aborted) throw opts.signal.reason;
    },
  });
  await pool().query("delete from verification_runs where org_id = $1", [orgId]);
  if (v.ok && v.head_hash !== null) {
    const root = await rootIfStored(readPool(), orgId, v.head_seq);
    if (root) await advance(orgId, v.head_seq, v.head_hash, root);
  }
  return v;
}
