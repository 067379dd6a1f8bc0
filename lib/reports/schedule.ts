import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { VigilError } from "@/lib/errors";
import { pool } from "@/lib/db/pool";
import { eligibleRecipients } from "@/lib/reports/scheduled";

/**
 * Who receives the monthly report by email. Recipients are members of the org whose role may
 * download reports — the report goes to no one who couldn't fetch it from the console — and
 * the scheduler checks that again when it sends. Each change is a SETTINGS_CHANGED event with
 * the list before and after, written in the same transaction.
 */

export const MAX_RECIPIENTS = 20;

export interface ReportSchedule {
  recipients: string[];
  /** Members who may be chosen. */
  eligible: string[];
}

export async function getReportSchedule(orgId: string): Promise<ReportSchedule> {
  const [{ rows }, eligible] = await Promise.all([
    pool().query<{ recipients: string[] }>("select recipients from report_schedules where org_id = $1", [orgId]),
    eligibleRecipients(orgId),
  ]);
  return { recipients: rows[0]?.recipients ?? [], eligible };
}

export async function setReportRecipients(orgId: string, actor: PersonActor, wanted: readonly string[]): Promise<{ recipients: string[] }> {
  const emails = [...new Set(wanted.map((e) => e.trim().toLowerCase()).filter(Boolean))].sort();
  if (emails.length > MAX_RECIPIENTS) throw new VigilError("invalid_request", `At most ${MAX_RECIPIENTS} recipients.`, { recipients: `at most ${MAX_RECIPIENTS}` });
  const eligible = new Set(await eligibleRecipients(orgId, emails));
  const refused = emails.filter((e) => !eligible.has(e));
  if (refused.length > 0) {
    throw new VigilError("invalid_request", `Only members whose role may download reports can receive them: ${refused.join(", ")}.`, { recipients: `not allowed: ${refused.join(", ")}` });
  }
  return withAudit(orgId, actor, async (client) => {
    const { rows } = await client.query<{ recipients: string[] }>("select recipients from report_schedules where org_id = $1 for update", [orgId]);
    const before = rows[0]?.recipients ?? [];
    if (before.join(",") === emails.join(",")) return { result: { recipients: emails }, events: [] };
    await client.query(
      `insert into report_schedules (org_id, recipients, updated_at) values ($1, $2, now())
       on conflict (org_id) do update set recipients = excluded.recipients, updated_at = now()`,
      [orgId, emails],
    );
    return {
      result: { recipients: emails },
      events: [{
        action: "SETTINGS_CHANGED",
        category: "settings",
        targets: [{ type: "report_schedule", id: orgId, name: "Monthly security report" }],
        changes: [{ field: "monthly_report_recipients", before: before.join(", ") || null, after: emails.join(", ") || null }],
        metadata: { section: "reports", action: "updated", details: "monthly_report_recipients" },
      }],
    };
  });
}
