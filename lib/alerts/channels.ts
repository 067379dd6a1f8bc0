import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { withAuditedAction, type ActionActor } from "@/lib/alerts/audit";
import { ActionError } from "@/lib/alerts/actions";

/** Where the security team hears about alerts. A webhook's signing secret is shown once, at creation. */

export interface AlertChannel {
  id: string;
  kind: "email" | "webhook";
  target: string;
  min_severity: "info" | "warning" | "critical";
  enabled: boolean;
}

export async function createAlertChannel(
  orgId: string, by: ActionActor, input: { kind: "email" | "webhook"; target: string; minSeverity?: AlertChannel["min_severity"] },
): Promise<AlertChannel & { secret: string | null }> {
  const target = input.target.trim();
  if (input.kind === "email" && !/^[^@\s]+@[^@\s]+$/.test(target)) throw new ActionError("invalid", "enter an e-mail address");
  if (input.kind === "webhook" && !/^https?:\/\/\S+$/.test(target)) throw new ActionError("invalid", "enter an http(s) URL");
  const secret = input.kind === "webhook" ? "whsec_" + crypto.randomBytes(24).toString("base64url") : null;
  const id = uuidv7();
  const minSeverity = input.minSeverity ?? "warning";
  await withAuditedAction(orgId, by.type === "system" ? "system" : "console", async (client) => {
    await client.query(
      "insert into alert_channels (id, org_id, kind, target, secret, min_severity) values ($1, $2, $3, $4, $5, $6)",
      [id, orgId, input.kind, target, secret, minSeverity],
    );
    return {
      result: undefined,
      events: [{ action: "ALERT_CHANNEL_CREATED", category: "settings", actor: by, targets: [{ type: input.kind, id: target }], metadata: { channel_id: id, min_severity: minSeverity } }],
    };
  });
  return { id, kind: input.kind, target, min_severity: minSeverity, enabled: true, secret };
}

export async function listAlertChannels(orgId: string): Promise<AlertChannel[]> {
  const { rows } = await pool().query<AlertChannel>("select id, kind, target, min_severity, enabled from alert_channels where org_id = $1 order by created_at", [orgId]);
  return rows;
}

export interface DeliveryRecord {
  id: string;
  alert_id: string | null;
  kind: string;
  target: string;
  status: string;
  attempts: number;
  response_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export async function listDeliveries(orgId: string, opts: { alertId?: string; limit?: number } = {}): Promise<DeliveryRecord[]> {
  const { rows } = await pool().query<DeliveryRecord>(
    `select id, alert_id, kind, target, status, attempts, response_code, last_error, created_at, delivered_at from deliveries
     where org_id = $1 and ($2::uuid is null or alert_id = $2) order by created_at desc limit $3`,
    [orgId, opts.alertId ?? null, opts.limit ?? 100],
  );
  return rows;
}
