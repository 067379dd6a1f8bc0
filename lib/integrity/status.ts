import { pool, readPool } from "@/lib/db/pool";
import { latestCheckpoint } from "@/lib/integrity/checkpoints";
import { runningFullVerification, verifiedHead, verifyIncrementally, type FullRun } from "@/lib/integrity/verified-state";
import type { ChainVerification } from "@/lib/integrity/verify";

/**
 * What a request answers about an org's chain, without re-hashing all of it: the events
 * after the verified head are verified now (verified-state.ts) when there are at most
 * REQUEST_VERIFY_LIMIT of them — a few tens of milliseconds —, else the answer is the
 * verified head's and a verification of the rest starts in the background; everything
 * before is vouched for by the verify job's last full re-verification from the genesis
 * (chain_verifications). A break either of them found makes the answer not ok.
 */

/** Events a request verifies before answering; more are verified in the background. */
export const REQUEST_VERIFY_LIMIT = 5_000;

export interface FullVerification {
  verified_at: string;
  ok: boolean;
  checked: number;
  head_seq: number;
  first_bad_seq: number | null;
  problems: string[];
}

export interface ChainStatus extends ChainVerification {
  /** The last tree size whose chain and tree were verified, and when. */
  verified_seq: number;
  verified_at: string | null;
  /** Events after the verified head, not verified yet (a verification of them is running). */
  unverified: number;
  /** The verify job's last re-verification of the whole chain, or null before its first run. */
  full_verification: FullVerification | null;
  /** A re-verification of the whole chain in progress (or cut short, to be resumed), if any. */
  full_verification_running: FullRun | null;
}

export async function lastFullVerification(orgId: string): Promise<FullVerification | null> {
  const { rows } = await readPool().query<Omit<FullVerification, "verified_at"> & { verified_at: Date }>(
    "select verified_at, ok, checked, head_seq, first_bad_seq, problems from chain_verifications where org_id = $1",
    [orgId],
  );
  const r = rows[0];
  return r ? { ...r, verified_at: r.verified_at.toISOString() } : null;
}

/** Records a full verification; answers when it was recorded. */
export async function recordFullVerification(orgId: string, v: ChainVerification): Promise<string> {
  const { rows } = await pool().query<{ verified_at: Date }>(
    `insert into chain_verifications (org_id, verified_at, ok, checked, head_seq, first_bad_seq, problems)
     values ($1, now(), $2, $3, $4, $5, $6)
     on conflict (org_id) do update set verified_at = now(), ok = excluded.ok, checked = excluded.checked,
       head_seq = excluded.head_seq, first_bad_seq = excluded.first_bad_seq, problems = excluded.problems
     returning verified_at`,
    [orgId, v.ok, v.checked, v.head_seq, v.first_bad_seq, v.problems],
  );
  return rows[0]!.verified_at.toISOString();
}

/** The recent stretch as verified now, joined with what the last full verification found. */
export function withFullVerification<T extends ChainVerification>(recent: T, full: FullVerification | null): T & { full_verification: FullVerification | null } {
  if (!full || full.ok) return { ...recent, full_verification: full };
  return {
    ...recent,
    ok: false,
    first_bad_seq: Math.min(recent.first_bad_seq ?? Infinity, full.first_bad_seq ?? Infinity),
    problems: [...full.problems.map((p) => `full verification of ${full.verified_at}: ${p}`), ...recent.problems],
    full_verification: full,
  };
}

const inFlight = new Map<string, ReturnType<typeof verifyIncrementally>>();

/** One incremental verification per org at a time in this process; callers share it. */
export function verifyNew(orgId: string): ReturnType<typeof verifyIncrementally> {
  const running = inFlight.get(orgId);
  if (running) return running;
  const pass = verifyIncrementally(orgId).finally(() => inFlight.delete(orgId));
  inFlight.set(orgId, pass);
  return pass;
}

/** The chain's status: the new events verified now (or in the background past the limit), with the full pass's record. */
export async function chainStatus(orgId: string): Promise<ChainStatus> {
  const [state, head, full, running] = await Promise.all([
    verifiedHead(orgId),
    readPool().query<{ seq: string; hash: string }>("select seq, hash from chain_heads where org_id = $1", [orgId]),
    lastFullVerification(orgId),
    runningFullVerification(orgId),
  ]);
  const headSeq = Number(head.rows[0]?.seq ?? 0);
  const pending = headSeq - (state?.seq ?? 0);
  if (pending !== 0 && pending <= REQUEST_VERIFY_LIMIT) {
    const v = await verifyNew(orgId);
    const at = v.ok ? new Date().toISOString() : (state?.verifiedAt ?? null);
    return withFullVerification({ ...v, verified_at: at, unverified: Math.max(0, v.head_seq - v.verified_seq), full_verification_running: running ?? null }, full);
  }
  // Too many to wait for: answered from the verified head while they are verified.
  if (pending > 0) void verifyNew(orgId).catch((err) => console.error(`[vigil] org ${orgId}: background verification failed: ${err instanceof Error ? err.message : String(err)}`));
  const cp = await latestCheckpoint(orgId);
  const problems = state?.problems ?? [];
  const fromState: ChainVerification = {
    ok: problems.length === 0,
    from_seq: (state?.seq ?? 0) + 1,
    checked: 0,
    nodes_checked: 0,
    first_bad_seq: state?.firstBadSeq ?? null,
    head_seq: headSeq,
    head_hash: head.rows[0]?.hash ?? null,
    missing: 0,
    checkpoint: cp ? { seq: cp.seq, hash: cp.hash, signed_at: cp.signedAt.toISOString() } : null,
    problems,
  };
  return withFullVerification({ ...fromState, verified_seq: state?.seq ?? 0, verified_at: state?.verifiedAt ?? null, unverified: Math.max(0, pending), full_verification_running: running ?? null }, full);
}
