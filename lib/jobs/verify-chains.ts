import { pool } from "@/lib/db/pool";
import { latestCheckpoint, takeCheckpoint } from "@/lib/integrity/checkpoints";
import { verifyOrgChain } from "@/lib/integrity/verify";
import { upsertAlert } from "@/lib/alerts/store";
import { notifyAlert } from "@/lib/alerts/notify";
import { forEachOrg, orgsToProcess } from "@/lib/jobs/state";
import type { JobContext, JobSummary } from "@/lib/jobs/runner";

/**
 * The verify job: for each org, re-verify the chain from its last signed checkpoint (the
 * checkpointed event itself included, so its signed hash is compared too) and sign the new
 * head. A chain that fails is never signed; it raises a critical alert instead.
 */

export const CHAIN_INTEGRITY_RULE = "chain_integrity";

export interface OrgVerifyResult {
  org_id: string;
  ok: boolean;
  checked: number;
  first_bad_seq: number | null;
  checkpoint_seq: number | null;
}

export async function verifyOrg(orgId: string): Promise<OrgVerifyResult> {
  const last = await latestCheckpoint(orgId);
  const fromSeq = Math.max(1, last?.seq ?? 1);
  let result = await verifyOrgChain(orgId, { fromSeq });
  // Events committed while the chain was read make the head look ahead of the rows: read
  // again before calling it a failure, so ingest alone never raises a false alarm.
  for (let attempt = 0; !result.ok && attempt < 2; attempt++) result = await verifyOrgChain(orgId, { fromSeq });
  if (!result.ok) {
    const { alert, grew } = await upsertAlert(pool(), orgId, {
      rule: CHAIN_INTEGRITY_RULE,
      severity: "critical",
      subject: {},
      title: `Chain verification failed at seq ${result.first_bad_seq}: ${result.problems[0] ?? "unknown problem"}`,
      eventIds: [],
      firstSeen: new Date(),
      lastSeen: new Date(),
    });
    if (grew) await notifyAlert(orgId, alert.id);
    return { org_id: orgId, ok: false, checked: result.checked, first_bad_seq: result.first_bad_seq, checkpoint_seq: null };
  }
  // Sign only when there is something new to vouch for.
  let checkpointSeq: number | null = null;
  const verifiedHead = result.head_hash !== null && (result.checked > 0 || result.head_seq === (last?.seq ?? 0));
  if (verifiedHead && (!last || last.seq !== result.head_seq || last.hash !== result.head_hash)) {
    checkpointSeq = (await takeCheckpoint(orgId, { seq: result.head_seq, hash: result.head_hash! })).seq;
  }
  return { org_id: orgId, ok: true, checked: result.checked, first_bad_seq: null, checkpoint_seq: checkpointSeq };
}

export async function verifyJob(ctx: JobContext): Promise<JobSummary> {
  const orgs = await orgsToProcess(ctx.orgIds);
  const { results, failed } = await forEachOrg("verify", orgs, (orgId) => verifyOrg(orgId));
  return {
    failures: failed,
    orgs: results.length,
    checked: results.reduce((n, r) => n + r.checked, 0),
    checkpoints: results.filter((r) => r.checkpoint_seq !== null).length,
    failed: results.filter((r) => !r.ok).map((r) => ({ org_id: r.org_id, first_bad_seq: r.first_bad_seq })),
  };
}
