import crypto from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { maskChanges, type Change } from "@/lib/audit/mask";
import { withAudit, type ConsoleEvent } from "@/lib/audit/record";
import type { Actor } from "@/lib/audit/actor";
import { isUuid } from "@/lib/uuid";
import { targetProblem } from "@/lib/net/outbound";

/**
 * Where the security team hears about alerts: e-mail (one or more recipients) and signed
 * webhooks. A webhook's signing secret is shown once, when the channel is made or the
 * secret rotated, and never again: pages show only that one is set. Every change is a
 * SETTINGS_CHANGED event (section alert_channels) with before and after, the secret masked.
 */

export const CHANNEL_KINDS = ["email", "webhook"] as const;
export const CHANNEL_SEVERITIES = ["info", "warning", "critical"] as const;
export type ChannelSeverity = (typeof CHANNEL_SEVERITIES)[number];

export interface AlertChannel {
  id: string;
  kind: "email" | "webhook";
  target: string;
  min_severity: ChannelSeverity;
  enabled: boolean;
  /** Whether a webhook has its signing secret; the secret itself never leaves the server. */
  secret_set: boolean;
}

const MAX_RECIPIENTS = 20;
const email = z.email();

/** Checks and normalizes a channel's target; throws a VigilError naming the `target` field. */
export function normalizeTarget(kind: AlertChannel["kind"], raw: string): string {
  const text = raw.trim();
  const invalid = (message: string) => new VigilError("invalid_request", kind === "email" ? "Check the recipients." : "Check the URL.", { target: message });
  if (kind === "email") {
    const recipients = [...new Set(text.split(/[,;\s]+/).map((x) => x.trim().toLowerCase()).filter(Boolean))];
    if (recipients.length === 0) throw invalid("enter at least one e-mail address");
    if (recipients.length > MAX_RECIPIENTS) throw invalid(`at most ${MAX_RECIPIENTS} recipients per channel`);
    const bad = recipients.find((r) => r.length > 320 || !email.safeParse(r).success);
    if (bad) throw invalid(`'${bad.slice(0, 80)}' is not an e-mail address`);
    return recipients.join(", ");
  }
  if (text.length > 2000) throw invalid("the URL is longer than 2000 characters");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid("enter an http(s) URL");
  }
  const problem = targetProblem(url);
  if (problem) throw invalid(problem);
  // The URL is shown back on the page and recorded in the trail: no credentials in it.
  if (url.username || url.password) throw invalid("leave credentials out of the URL: receivers check the signature instead");
  return url.toString();
}

const newSecret = () => "whsec_" + crypto.randomBytes(24).toString("base64url");

const COLUMNS = "id, kind, target, min_severity, enabled, (secret is not null) as secret_set";

async function lockChannel(client: pg.PoolClient, orgId: string, id: string): Promise<AlertChannel> {
  if (!isUuid(id)) throw new VigilError("not_found", "That channel doesn't exist.");
  const { rows } = await client.query<AlertChannel>(`select ${COLUMNS} from alert_channels where org_id = $1 and id = $2 for update`, [orgId, id]);
  if (!rows[0]) throw new VigilError("not_found", "That channel doesn't exist.");
  return rows[0];
}

/** The audited view of a channel: the secret only as "set". */
function shown(c: Pick<AlertChannel, "kind" | "target" | "min_severity" | "enabled"> & { secret_set?: boolean }): Record<string, unknown> {
  return { kind: c.kind, target: c.target, min_severity: c.min_severity, enabled: c.enabled, ...(c.kind === "webhook" ? { secret: c.secret_set ? "set" : null } : {}) };
}

function changesOf(before: Record<string, unknown> | null, after: Record<string, unknown> | null): Change[] {
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return maskChanges(fields
    .map((field) => ({ field, before: before?.[field] ?? null, after: after?.[field] ?? null }))
    .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after)));
}

function channelEvent(id: string, kind: string, what: "created" | "updated" | "secret_rotated" | "deleted", changes: Change[]): ConsoleEvent {
  return {
    action: "SETTINGS_CHANGED",
    category: "settings",
    targets: [{ type: "alert_channel", id, name: kind }],
    changes,
    metadata: { section: "alert_channels", action: what, channel_id: id, kind, details: changes.map((c) => c.field).join(", ") },
  };
}

async function insertChannel(
  client: pg.PoolClient, orgId: string, input: { kind: AlertChannel["kind"]; target: string; minSeverity?: ChannelSeverity },
): Promise<{ channel: AlertChannel; secret: string | null; event: ConsoleEvent }> {
  const target = normalizeTarget(input.kind, input.target);
  const secret = input.kind === "webhook" ? newSecret() : null;
  const id = uuidv7();
  const minSeverity = input.minSeverity ?? "warning";
  await client.query(
    "insert into alert_channels (id, org_id, kind, target, secret, min_severity) values ($1, $2, $3, $4, $5, $6)",
    [id, orgId, input.kind, target, secret, minSeverity],
  );
  const channel: AlertChannel = { id, kind: input.kind, target, min_severity: minSeverity, enabled: true, secret_set: secret !== null };
  return { channel, secret, event: channelEvent(id, input.kind, "created", changesOf(null, shown(channel))) };
}

/** Adds a channel (from the console, a script or Vigil itself); a webhook's secret is in the answer, once. */
export async function addAlertChannel(
  orgId: string, actor: Actor, input: { kind: AlertChannel["kind"]; target: string; minSeverity?: ChannelSeverity },
): Promise<{ channel: AlertChannel; secret: string | null }> {
  return withAudit(orgId, actor, async (client) => {
    const { channel, secret, event } = await insertChannel(client, orgId, input);
    return { result: { channel, secret }, events: [event] };
  });
}

export async function updateAlertChannel(
  orgId: string, actor: Actor, input: { id: string; target: string; minSeverity: ChannelSeverity; enabled: boolean },
): Promise<{ changed: number }> {
  return withAudit(orgId, actor, async (client) => {
    const before = await lockChannel(client, orgId, input.id);
    const after: AlertChannel = { ...before, target: normalizeTarget(before.kind, input.target), min_severity: input.minSeverity, enabled: input.enabled };
    const changes = changesOf(shown(before), shown(after));
    if (changes.length === 0) return { result: { changed: 0 }, events: [] };
    await client.query(
      "update alert_channels set target = $3, min_severity = $4, enabled = $5 where org_id = $1 and id = $2",
      [orgId, before.id, after.target, after.min_severity, after.enabled],
    );
    return { result: { changed: changes.length }, events: [channelEvent(before.id, before.kind, "updated", changes)] };
  });
}

/** A new signing secret for a webhook, answered once; the old one stops working at once. */
export async function rotateChannelSecret(orgId: string, actor: Actor, input: { id: string }): Promise<{ secret: string }> {
  return withAudit(orgId, actor, async (client) => {
    const before = await lockChannel(client, orgId, input.id);
    if (before.kind !== "webhook") throw new VigilError("invalid_request", "Only a webhook has a signing secret.");
    const secret = newSecret();
    await client.query("update alert_channels set secret = $3 where org_id = $1 and id = $2", [orgId, before.id, secret]);
    // Masked whatever it says: the record shows that the secret changed, never its value.
    const changes = maskChanges([{ field: "secret", before: before.secret_set ? "set" : null, after: "rotated" }]);
    return { result: { secret }, events: [channelEvent(before.id, before.kind, "secret_rotated", changes)] };
  });
}

export async function removeAlertChannel(orgId: string, actor: Actor, input: { id: string }): Promise<void> {
  await withAudit(orgId, actor, async (client) => {
    const before = await lockChannel(client, orgId, input.id);
    await client.query("delete from alert_channels where org_id = $1 and id = $2", [orgId, before.id]);
    return { result: undefined, events: [channelEvent(before.id, before.kind, "deleted", changesOf(shown(before), null))] };
  });
}

export async function listAlertChannels(orgId: string): Promise<AlertChannel[]> {
  const { rows } = await pool().query<AlertChannel>(`select ${COLUMNS} from alert_channels where org_id = $1 order by created_at, id`, [orgId]);
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
