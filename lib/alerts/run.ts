import { pool, withTransaction } from "@/lib/db/pool";
import { forEachOrg, getJobState, orgsToProcess, setJobState } from "@/lib/jobs/state";
import type { JobContext, JobSummary } from "@/lib/jobs/runner";
import { NEW_EVENT_COLUMNS, runDetectors, type NewEvent, type OrgProfile } from "@/lib/alerts/detectors";
import { ruleSettings } from "@/lib/alerts/rules";
import { upsertAlert, type Alert } from "@/lib/alerts/store";
import { alertsToNotify, deliverPending, notifyAlert } from "@/lib/alerts/notify";
import { applyAutomaticActions } from "@/lib/alerts/actions";

/**
 * The alerts job: for each org, the detectors over events stored since its watermark.
 * The watermark is the org's chain seq, not a timestamp: seq is assigned under the chain
 * head lock in commit order, so an event committed late (or dated in the past) is never
 * skipped, and none is read twice. Alerts and the watermark commit together; then every
 * live alert the channels have not heard of at its present severity (new, or risen) is
 * queued as deliveries and sent.
 */

const JOB = "alerts";
const BATCH = 2000;
/** Batches per org per run: a first run over a long history finishes over several minutes. */
const MAX_BATCHES = 10;

export interface OrgAlertsResult {
  events: number;
  detections: number;
  created: Alert[];
}

export async function detectForOrg(orgId: string): Promise<OrgAlertsResult> {
  const org = (await pool().query<OrgProfile>("select id, timezone, business_hours from organizations where id = $1", [orgId])).rows[0];
  if (!org) return { events: 0, detections: 0, created: [] };
  const settings = await ruleSettings(orgId);
  const result: OrgAlertsResult = { events: 0, detections: 0, created: [] };
  if ((await getJobState<number>(JOB, orgId, "seq")) === undefined) {
    // First run for this org (a new install, or an org with imported history): start with
    // what arrived in the last hour rather than raising alerts over years of old events.
    const { rows } = await pool().query<{ seq: number | null }>(
      "select max(seq) as seq from audit_events where org_id = $1 and received_at < now() - interval '1 hour'",
      [orgId],
    );
    await setJobState(JOB, orgId, "seq", Number(rows[0]?.seq ?? 0));
  }
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const watermark = (await getJobState<number>(JOB, orgId, "seq")) ?? 0;
    const { rows } = await pool().query<NewEvent & { source: string }>(
      `select ${NEW_EVENT_COLUMNS}, source from audit_events where org_id = $1 and seq > $2 order by seq limit $3`,
      [orgId, watermark, BATCH],
    );
    if (rows.length === 0) break;
    // Vigil's own records (its alerts' actions, receipts) are not user activity.
    const events = rows.filter((r) => r.source !== "system");
    const detections = await runDetectors(org, events, settings);
    const lastSeq = Number(rows[rows.length - 1]!.seq);
    const created = await withTransaction(async (client) => {
      const fresh: Alert[] = [];
      for (const d of detections) {
        const r = await upsertAlert(client, orgId, d);
        if (r.created) fresh.push(r.alert);
      }
      await setJobState(JOB, orgId, "seq", lastSeq, client);
      return fresh;
    });
    result.events += rows.length;
    result.detections += detections.length;
    result.created.push(...created);
    if (rows.length < BATCH) break;
  }
  for (const alert of result.created) await applyAutomaticActions(orgId, alert, settings);
  // New alerts, alerts whose severity rose, and any a crashed run left un-notified.
  for (const id of await alertsToNotify(orgId)) await notifyAlert(orgId, id);
  return result;
}

export async function alertsJob(ctx: JobContext): Promise<JobSummary> {
  const orgs = await orgsToProcess(ctx.orgIds);
  let events = 0;
  let created = 0;
  let retried = 0;
  const { failed } = await forEachOrg("alerts", orgs, async (orgId) => {
    // Deliveries a dead process left pending go out first.
    retried += (await deliverPending(orgId)).delivered;
    const r = await detectForOrg(orgId);
    events += r.events;
    created += r.created.length;
  });
  return { failures: failed, orgs: orgs.length, events, alerts_created: created, deliveries_retried: retried };
}
