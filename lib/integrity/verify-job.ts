import { withTransaction } from "@/lib/db/pool";
import { completeTree } from "@/lib/integrity/tree";
import { HistoryRewritten, latestCheckpoint, takeCheckpoint } from "@/lib/integrity/checkpoints";
import type { ChainVerification } from "@/lib/integrity/verify";
import { fullVerification } from "@/lib/integrity/verified-state";
import { lastFullVerification, recordFullVerification, verifyNew, withFullVerification } from "@/lib/integrity/status";
import { raiseIntegrityAlert } from "@/lib/integrity/integrity-alert";
import { catchUpWitnesses, witnessesSettled } from "@/lib/integrity/http-witness";
import { forEachOrg, orgsToProcess } from "@/lib/jobs/state";
import type { JobContext, JobSummary } from "@/lib/jobs/runner";

/**
 * The verify job: for each org, hourly, verify what was appended since the verified head
 * (lib/integrity/verified-state.ts) and sign the new head; once a day, re-verify the whole
 * chain and tree from the genesis instead (in slices that yield, so it runs beside
 * requests; resumed where it stopped if a restart cut it short) and record it. Requests and
 * report downloads verify only what is new and lean on that record for the rest. A chain
 * that fails is never signed; it raises a critical alert instead.
 */

/** How old the last whole-chain verification may be before the job runs the next one. */
export const FULL_VERIFICATION_EVERY_MS = 24 * 3600_000;

export { CHAIN_INTEGRITY_RULE } from "@/lib/integrity/integrity-alert";

export interface OrgVerifyResult {
  org_id: string;
  ok: boolean;
  checked: number;
  first_bad_seq: number | null;
  checkpoint_seq: number | null;
  /** The last re-verification of the whole chain (this one, for the job's pass). */
  full_verified_at: string | null;
  /** Why a chain that verified can't be signed (it contradicts the head kept outside the database). */
  problem?: string;
}

/** Signs the verified head when it holds something the latest checkpoint doesn't. */
async function signHead(orgId: string, result: ChainVerification & { verified_seq?: number }, last: { seq: number; hash: string } | undefined): Promise<number | null> {
  // Only a head this verification (or an earlier one, for the verified head) vouches for.
  const verifiedHead = result.head_hash !== null && (result.verified_seq ?? result.head_seq) === result.head_seq;
  // A head no newer than the last signed one (a full pass ends at the head it began with) is not signed again.
  if (!verifiedHead || (last && last.seq >= result.head_seq)) return null;
  return (await takeCheckpoint(orgId, { seq: result.head_seq, hash: result.head_hash! })).seq;
}

/**
 * Signs the verified head unless it contradicts the head kept outside the database
 * (lib/integrity/witness.ts): then the chain is reported broken and the critical alert raised.
 */
async function signOrRefuse(orgId: string, result: ChainVerification & { verified_seq?: number }, last: { seq: number; hash: string } | undefined, full_verified_at: string | null): Promise<OrgVerifyResult> {
  try {
    return { org_id: orgId, ok: true, checked: result.checked, first_bad_seq: null, checkpoint_seq: await signHead(orgId, result, last), full_verified_at };
  } catch (err) {
    if (!(err instanceof HistoryRewritten)) throw err;
    await raiseIntegrityAlert(orgId, { first_bad_seq: null, problems: [err.message] });
    return { org_id: orgId, ok: false, checked: result.checked, first_bad_seq: null, checkpoint_seq: null, full_verified_at, problem: err.message };
  }
}

/**
 * Verifies what was appended since the verified head (the latest checkpoint's signed hash
 * and root compared too), joined with the last full verification, and signs the head.
 */
export async function verifyOrg(orgId: string): Promise<OrgVerifyResult> {
  const result = withFullVerification(await verifyNew(orgId), await lastFullVerification(orgId));
  const last = result.checkpoint ?? undefined;
  const full_verified_at = result.full_verification?.verified_at ?? null;
  if (!result.ok) {
    await raiseIntegrityAlert(orgId, result);
    return { org_id: orgId, ok: false, checked: result.checked, first_bad_seq: result.first_bad_seq, checkpoint_seq: null, full_verified_at };
  }
  return signOrRefuse(orgId, result, last, full_verified_at);
}

/** The job's pass: the whole chain from the genesis, recorded, then the head signed. */
export async function sweepOrg(orgId: string): Promise<OrgVerifyResult> {
  const last = await latestCheckpoint(orgId);
  const result = await fullVerification(orgId);
  const full_verified_at = await recordFullVerification(orgId, result);
  // A log from before the Merkle tree gets its stored nodes here, once.
  if (result.ok) await withTransaction((c) => completeTree(c, orgId, result.head_seq));
  if (!result.ok) {
    await raiseIntegrityAlert(orgId, result);
    return { org_id: orgId, ok: false, checked: result.checked, first_bad_seq: result.first_bad_seq, checkpoint_seq: null, full_verified_at };
  }
  return signOrRefuse(orgId, result, last, full_verified_at);
}

export async function verifyJob(ctx: JobContext): Promise<JobSummary> {
  const orgs = await orgsToProcess(ctx.orgIds);
  const { results, failed } = await forEachOrg("verify", orgs, async (orgId) => {
    const full = await lastFullVerification(orgId);
    const due = !full || Date.now() - Date.parse(full.verified_at) >= FULL_VERIFICATION_EVERY_MS;
    const result = await (due ? sweepOrg(orgId) : verifyOrg(orgId));
    // The latest head again to each witness that hasn't cosigned it (one was down, or slow).
    await witnessesSettled();
    await catchUpWitnesses(orgId);
    return result;
  });
  return {
    failures: failed,
    orgs: results.length,
    checked: results.reduce((n, r) => n + r.checked, 0),
    checkpoints: results.filter((r) => r.checkpoint_seq !== null).length,
    failed: results.filter((r) => !r.ok).map((r) => ({ org_id: r.org_id, first_bad_seq: r.first_bad_seq })),
  };
}
