import { pool } from "@/lib/db/pool";
import { upsertAlert } from "@/lib/alerts/store";
import { notifyAlert } from "@/lib/alerts/notify";

/** The rule of the critical alert raised when an org's log fails verification or a witness refuses its head. */
export const CHAIN_INTEGRITY_RULE = "chain_integrity";

/** Raises (or grows) the org's critical chain_integrity alert, and notifies on a new one. */
export async function raiseIntegrityAlert(orgId: string, result: { first_bad_seq: number | null; problems: string[] }, title?: string): Promise<void> {
  const { alert, grew } = await upsertAlert(pool(), orgId, {
    rule: CHAIN_INTEGRITY_RULE,
    severity: "critical",
    subject: {},
    title: title ?? `Chain verification failed${result.first_bad_seq === null ? "" : ` at seq ${result.first_bad_seq}`}: ${result.problems[0] ?? "unknown problem"}`,
    eventIds: [],
    firstSeen: new Date(),
    lastSeen: new Date(),
  });
  if (grew) await notifyAlert(orgId, alert.id);
}
