import { pool, readPool } from "@/lib/db/pool";
import { latestCheckpoint } from "@/lib/integrity/checkpoints";
import { verifyOrgChain, type ChainVerification } from "@/lib/integrity/verify";

/**
 * What a request answers about an org's chain, without re-hashing all of it: the events
 * since the latest signed checkpoint are verified now (the checkpointed event included, so
 * its signed hash is compared too; the hourly verify job keeps that stretch short), and
 * everything before is vouched for by the verify job's last full re-verification from the
 * genesis (chain_verifications). A break either of them found makes the answer not ok.
 */

export interface FullVerification {
  verified_at: string;
  ok: boolean;
  checked: number;
  head_seq: number;
  first_bad_seq: number | null;
  problems: string[];
}

export interface ChainStatus extends ChainVerification {
  /** The verify job's last re-verification of the whole chain, or null before its first run. */
  full_verification: FullVerification | null;
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
export function withFullVerification(recent: ChainVerification, full: FullVerification | null): ChainStatus {
  if (!full || full.ok) return { ...recent, full_verification: full };
  return {
    ...recent,
    ok: false,
    first_bad_seq: Math.min(recent.first_bad_seq ?? Infinity, full.first_bad_seq ?? Infinity),
    problems: [...full.problems.map((p) => `full verification of ${full.verified_at}: ${p}`), ...recent.problems],
    full_verification: full,
  };
}

/** The chain re-verified since its latest checkpoint, joined with the last full verification. */
export async function sinceCheckpoint(orgId: string): Promise<ChainStatus> {
  const cp = await latestCheckpoint(orgId);
  const [recent, full] = await Promise.all([verifyOrgChain(orgId, { fromSeq: Math.max(1, cp?.seq ?? 1) }), lastFullVerification(orgId)]);
  return withFullVerification(recent, full);
}

const inFlight = new Map<string, Promise<ChainStatus>>();

/** The chain's status; concurrent requests for one org in this process share one verification. */
export function chainStatus(orgId: string): Promise<ChainStatus> {
  const running = inFlight.get(orgId);
  if (running) return running;
  const pass = sinceCheckpoint(orgId).finally(() => inFlight.delete(orgId));
  inFlight.set(orgId, pass);
  return pass;
}
