import crypto from "node:crypto";
import nodemailer from "nodemailer";
import { uuidv7 } from "uuidv7";
import { pool, withTransaction } from "@/lib/db/pool";
import { env } from "@/lib/env";
import { recordEvent } from "@/lib/events/ingest";
import { ALERT_COLUMNS, rowToAlert, SEVERITY_RANK, type Alert } from "@/lib/alerts/store";
import { SYSTEM_ACTOR } from "@/lib/audit/actor";
import { sendOutbound } from "@/lib/net/outbound";

/**
 * Notifying the security team: each alert goes to the org's channels (e-mail over SMTP,
 * HMAC-signed webhooks) whose minimum severity it reaches. Deliveries are written first
 * (an outbox), then sent with retries and exponential backoff; one left pending by a
 * process that died is sent by the next alerts run.
 */

export interface NotifyOptions {
  /** Attempts per delivery within one run, and the first backoff delay (doubled each time). */
  maxAttempts?: number;
  baseDelayMs?: number;
}

const DEFAULTS = { maxAttempts: 4, baseDelayMs: 500 };
let overrides: NotifyOptions = {};

/** Tests shorten the backoff. */
export function setNotifyDefaults(o: NotifyOptions): void {
  overrides = o;
}

export const WEBHOOK_SIGNATURE_HEADER = "vigil-signature";

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the channel secret. */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = crypto.createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

export function verifyWebhookSignature(secret: string, body: string, header: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split("v1=")[1]!, "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Why a notification goes out: a new alert, or a live alert whose severity rose. */
export type NotifyReason = "new" | "severity_raised";

export function alertPayload(alert: Alert, reason: NotifyReason = "new", previousSeverity: Alert["severity"] | null = null): Record<string, unknown> {
  return {
    type: "alert",
    reason,
    ...(previousSeverity ? { previous_severity: previousSeverity } : {}),
    alert: {
      id: alert.id, rule: alert.rule, severity: alert.severity, status: alert.status, title: alert.title, subject: alert.subject,
      count: alert.count, first_seen: alert.first_seen, last_seen: alert.last_seen, event_ids: alert.event_ids.slice(0, 50),
    },
  };
}

interface DeliveryRow {
  id: string;
  org_id: string;
  alert_id: string | null;
  channel_id: string | null;
  kind: "email" | "webhook";
  target: string;
  attempts: number;
  payload: Record<string, unknown>;
}

/**
 * Queues a delivery of the alert to every matching channel when the channels have not
 * heard of it at its present severity (a new alert, or one whose severity rose), then
 * sends what is pending. The deliveries and `notified_severity` commit together, so
 * calling it again (or a run after a crash) never notifies twice, and never misses one.
 */
export async function notifyAlert(orgId: string, alertId: string): Promise<{ delivered: number; failed: number }> {
  const queued = await withTransaction(async (client) => {
    const { rows } = await client.query<Parameters<typeof rowToAlert>[0] & { notified_severity: Alert["severity"] | null }>(
      `select ${ALERT_COLUMNS}, notified_severity from alerts where org_id = $1 and id = $2 for update`,
      [orgId, alertId],
    );
    const row = rows[0];
    if (!row) return 0;
    const alert = rowToAlert(row);
    const previous = row.notified_severity;
    if (previous !== null && SEVERITY_RANK[alert.severity] <= SEVERITY_RANK[previous]) return 0;
    const { rows: channels } = await client.query<{ id: string; kind: "email" | "webhook"; target: string; min_severity: keyof typeof SEVERITY_RANK }>(
      "select id, kind, target, min_severity from alert_channels where org_id = $1 and enabled",
      [orgId],
    );
    const matching = channels.filter((c) => SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[c.min_severity]);
    const payload = JSON.stringify(alertPayload(alert, previous === null ? "new" : "severity_raised", previous));
    for (const c of matching) {
      await client.query(
        "insert into deliveries (id, org_id, alert_id, channel_id, kind, target, status, payload) values ($1, $2, $3, $4, $5, $6, 'pending', $7)",
        [uuidv7(), orgId, alertId, c.id, c.kind, c.target, payload],
      );
    }
    await client.query("update alerts set notified_severity = severity where id = $1", [alertId]);
    return matching.length;
  });
  if (queued === 0) return { delivered: 0, failed: 0 };
  return deliverPending(orgId);
}

/** Live alerts of the org whose channels have not heard of them at their present severity. */
export async function alertsToNotify(orgId: string): Promise<string[]> {
  const { rows } = await pool().query<{ id: string }>(
    `select id from alerts where org_id = $1 and status in ('open', 'acknowledged')
       and (notified_severity is null or (case severity when 'critical' then 2 when 'warning' then 1 else 0 end)
                                        > (case notified_severity when 'critical' then 2 when 'warning' then 1 else 0 end))
     order by created_at`,
    [orgId],
  );
  return rows.map((r) => r.id);
}

/** Sends every pending delivery of the org (new ones, and any a dead process left). */
export async function deliverPending(orgId: string, opts: NotifyOptions = {}): Promise<{ delivered: number; failed: number }> {
  const { rows } = await pool().query<DeliveryRow>(
    "select id, org_id, alert_id, channel_id, kind, target, attempts, payload from deliveries where org_id = $1 and status = 'pending' order by created_at",
    [orgId],
  );
  let delivered = 0;
  let failed = 0;
  for (const d of rows) {
    if (await deliver(d, opts)) delivered++;
    else failed++;
  }
  return { delivered, failed };
}

async function channelSecret(channelId: string | null): Promise<string | null> {
  if (!channelId) return null;
  const { rows } = await pool().query<{ secret: string | null }>("select secret from alert_channels where id = $1", [channelId]);
  return rows[0]?.secret ?? null;
}

async function sendOnce(d: DeliveryRow): Promise<{ ok: boolean; code: number | null; error: string | null }> {
  const body = JSON.stringify(d.payload);
  if (d.kind === "webhook") {
    const secret = await channelSecret(d.channel_id);
    if (!secret) return { ok: false, code: null, error: "the webhook channel has no secret" };
    const sent = await sendOutbound(d.target, {
      method: "POST",
      headers: { "content-type": "application/json", [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body), "vigil-delivery": d.id },
      body,
    });
    return sent.ok ? { ok: true, code: sent.status, error: null } : { ok: false, code: sent.status, error: sent.reason };
  }
  // SMTP is the operator's own server (SMTP_URL), not a tenant's choice: it stays outside lib/net/outbound.
  const smtp = env().SMTP_URL;
  if (!smtp) return { ok: false, code: null, error: "SMTP_URL is not set" };
  const alert = d.payload.alert as { title: string; severity: string; rule: string; id: string; count: number; first_seen: string; last_seen: string; subject: unknown };
  const raised = d.payload.reason === "severity_raised";
  try {
    const transport = nodemailer.createTransport(smtp);
    await transport.sendMail({
      from: env().SMTP_FROM,
      // One channel may name several recipients, comma-separated.
      to: d.target,
      subject: `[Vigil ${alert.severity}] ${raised ? `Now ${alert.severity}: ` : ""}${alert.title}`,
      text: [
        alert.title, "",
        ...(raised ? [`Severity rose from ${String(d.payload.previous_severity)} to ${alert.severity}.`, ""] : []),
        `Rule: ${alert.rule}`, `Subject: ${JSON.stringify(alert.subject)}`, `Events: ${alert.count}`,
        `First seen: ${alert.first_seen}`, `Last seen: ${alert.last_seen}`, `Alert id: ${alert.id}`,
      ].join("\n"),
    });
    transport.close();
    return { ok: true, code: 250, error: null };
  } catch (err) {
    return { ok: false, code: null, error: err instanceof Error ? err.message : String(err) };
  }
}

async function deliver(d: DeliveryRow, opts: NotifyOptions): Promise<boolean> {
  const { maxAttempts, baseDelayMs } = { ...DEFAULTS, ...overrides, ...opts };
  let last = { ok: false, code: null as number | null, error: null as string | null };
  let attempts = 0;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    attempts++;
    if (attempt > 0) await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** (attempt - 1)));
    last = await sendOnce(d);
    await pool().query("update deliveries set attempts = attempts + 1, response_code = $2, last_error = $3 where id = $1", [d.id, last.code, last.error]);
    if (last.ok) break;
  }
  await pool().query(
    `update deliveries set status = $2, delivered_at = case when $2 = 'delivered' then now() end where id = $1`,
    [d.id, last.ok ? "delivered" : "failed"],
  );
  await recordEvent(d.org_id, {
    action: "ALERT_NOTIFICATION_SENT",
    category: "integration",
    status: last.ok ? "success" : "failed",
    actor: SYSTEM_ACTOR,
    targets: [{ type: "alert", id: d.alert_id ?? "none" }, { type: d.kind, id: d.target }],
    reason: last.error ?? undefined,
    metadata: { delivery_id: d.id, channel: d.kind, attempts: d.attempts + attempts, response_code: last.code },
  }, "system");
  return last.ok;
}
