import { VigilError } from "@/lib/errors";
import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { addBlocklistEntry, type BlocklistEntry } from "@/lib/auth/blocklist";
import { lockBlockedMembers, namesAdministrator } from "@/lib/auth/account-lock";
import { SYSTEM_ACTOR, actorLabel, type Actor } from "@/lib/audit/actor";
import { withAudit } from "@/lib/audit/record";
import { ALERT_COLUMNS, rowToAlert, type Alert, type AlertStatus } from "@/lib/alerts/store";
import type { RuleSettings } from "@/lib/alerts/rules";
import { isUuid } from "@/lib/uuid";

/**
 * Response actions — block, change an alert's status, open and work an incident — taken by
 * hand from the console or automatically by a rule. Each writes its audit event in the
 * same transaction, and lands on the incident's timeline when the alert has one.
 */

export const INCIDENT_STATUSES = ["open", "investigating", "resolved", "false_positive"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];


async function lockedAlert(client: pg.PoolClient, orgId: string, alertId: string): Promise<Alert> {
  if (!isUuid(alertId)) throw new VigilError("not_found", "alert not found");
  const { rows } = await client.query(`select ${ALERT_COLUMNS} from alerts where org_id = $1 and id = $2 for update`, [orgId, alertId]);
  if (!rows[0]) throw new VigilError("not_found", "alert not found");
  return rowToAlert(rows[0]);
}

async function timeline(client: pg.PoolClient, orgId: string, alertId: string | null, incidentId: string | null, by: Actor, kind: string, body: string): Promise<void> {
  let id = incidentId;
  if (!id && alertId) id = (await client.query<{ id: string }>("select id from incidents where org_id = $1 and alert_id = $2", [orgId, alertId])).rows[0]?.id ?? null;
  if (!id) return;
  await client.query("insert into incident_notes (id, incident_id, org_id, author, kind, body) values ($1, $2, $3, $4, $5, $6)", [uuidv7(), id, orgId, actorLabel(by), kind, body]);
}

/**
 * Blocks the alert's IP (or CIDR) or actor, published in the blocklist and enforced at
 * sign-in. Blocking an actor who is a Vigil user of the org also locks that user
 * (lib/auth/account-lock.ts) until the entry expires or is removed.
 */
export async function blockFromAlert(
  orgId: string, alertId: string, what: "ip" | "actor", by: Actor, opts: { expiresAt?: Date | null; reason?: string } = {},
): Promise<BlocklistEntry> {
  return withAudit(orgId, by, async (client) => {
    const alert = await lockedAlert(client, orgId, alertId);
    const value = what === "ip" ? alert.subject.ip : alert.subject.actor;
    if (!value) throw new VigilError("invalid_request", `this alert has no ${what === "ip" ? "IP address" : "actor"} to block`);
    if (what === "actor" && by.type === "user" && [by.email, by.id].some((x) => x && x.toLowerCase() === value.toLowerCase())) {
      throw new VigilError("invalid_request", "you can't block your own account; ask another member of the security team");
    }
    if (what === "actor" && by.type === "system" && (await namesAdministrator(client, orgId, value))) {
      throw new VigilError("invalid_request", `${value} is an administrator of this organization: a rule doesn't block them by itself; block by hand if you mean it`);
    }
    const entry = await addBlocklistEntry(client, orgId, {
      value, kind: what === "actor" ? "actor" : undefined, reason: opts.reason ?? `alert ${alert.rule}: ${alert.title}`,
      createdBy: actorLabel(by), expiresAt: opts.expiresAt ?? null,
    });
    const locked = entry.kind === "actor" ? await lockBlockedMembers(client, orgId, entry.value) : [];
    await timeline(client, orgId, alertId, null, by, "action",
      `Blocked ${entry.kind} ${entry.value}${locked.length > 0 ? ` and shut their Vigil account out of this organization` : ""}`);
    return {
      result: entry,
      events: [{
        action: "BLOCKLIST_ENTRY_CREATED", category: "settings",
        targets: [{ type: entry.kind, id: entry.value }, { type: "alert", id: alert.id }, ...locked.map((u) => ({ type: "user", id: u.id, name: u.email }))],
        reason: entry.reason ?? undefined,
        metadata: {
          blocklist_entry_id: entry.id, kind: entry.kind, value: entry.value, alert_id: alert.id, rule: alert.rule, expires_at: entry.expires_at,
          automatic: by.type === "system", ...(locked.length > 0 ? { locked_users: locked.map((u) => u.email) } : {}),
        },
      }],
    };
  });
}

/**
 * The actions a rule takes by itself on a new alert (configured per org in Settings →
 * Alert rules). One that fails is logged and skips to the next: the alert stands, and it
 * is still notified.
 */
export async function applyAutomaticActions(orgId: string, alert: Alert, settings: RuleSettings): Promise<void> {
  const rule = settings[alert.rule as keyof RuleSettings];
  if (!rule) return;
  const config = rule.config as { block_ip?: boolean; block_actor?: boolean; open_incident?: boolean };
  const reason = `automatic: ${alert.title}`;
  const steps: Array<[string, () => Promise<unknown>]> = [];
  // The incident first, so the blocks land on its timeline.
  if (config.open_incident) steps.push(["open incident", () => openIncident(orgId, SYSTEM_ACTOR, { alertId: alert.id, note: "Opened automatically by the alert rule." })]);
  if (config.block_ip && alert.subject.ip) steps.push(["block IP", () => blockFromAlert(orgId, alert.id, "ip", SYSTEM_ACTOR, { reason })]);
  if (config.block_actor && alert.subject.actor) steps.push(["block actor", () => blockFromAlert(orgId, alert.id, "actor", SYSTEM_ACTOR, { reason })]);
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      console.error(`[vigil] automatic ${what} for alert ${alert.id} failed`, err);
    }
  }
}

export async function setAlertStatus(orgId: string, alertId: string, status: AlertStatus, by: Actor, note?: string): Promise<Alert> {
  return withAudit(orgId, by, async (client) => {
    const before = await lockedAlert(client, orgId, alertId);
    const closed = status === "resolved" || status === "false_positive";
    const { rows } = await client.query(
      `update alerts set status = $3, updated_at = now(), resolved_at = case when $4 then now() else null end where org_id = $1 and id = $2 returning ${ALERT_COLUMNS}`,
      [orgId, alertId, status, closed],
    );
    await timeline(client, orgId, alertId, null, by, "status", `Alert ${before.status} → ${status}${note ? `: ${note}` : ""}`);
    return {
      result: rowToAlert(rows[0]),
      events: [{
        action: "ALERT_UPDATED", category: "settings", targets: [{ type: "alert", id: alertId, name: before.title.slice(0, 200) }],
        reason: note, changes: [{ field: "status", before: before.status, after: status }], metadata: { rule: before.rule },
      }],
    };
  });
}

export interface IncidentNote {
  id: string;
  author: string;
  kind: string;
  body: string;
  created_at: string;
}

export interface Incident {
  id: string;
  org_id: string;
  alert_id: string | null;
  title: string;
  assignee: string | null;
  status: IncidentStatus;
  created_by: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  notes: IncidentNote[];
}

const INCIDENT_COLUMNS = "id, org_id, alert_id, title, assignee, status, created_by, created_at, updated_at, closed_at";

export async function getIncident(orgId: string, id: string, db: pg.Pool | pg.PoolClient = pool()): Promise<Incident | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query(`select ${INCIDENT_COLUMNS} from incidents where org_id = $1 and id = $2`, [orgId, id]);
  const r = rows[0];
  if (!r) return undefined;
  const notes = await db.query("select id, author, kind, body, created_at from incident_notes where incident_id = $1 and org_id = $2 order by created_at, id", [id, orgId]);
  return {
    ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(), closed_at: r.closed_at?.toISOString() ?? null,
    notes: notes.rows.map((n) => ({ ...n, created_at: n.created_at.toISOString() })),
  };
}

export async function listIncidents(orgId: string, opts: { status?: IncidentStatus; limit?: number } = {}): Promise<Omit<Incident, "notes">[]> {
  const { rows } = await pool().query(
    `select ${INCIDENT_COLUMNS} from incidents where org_id = $1 and ($2::text is null or status = $2) order by (status in ('open', 'investigating')) desc, created_at desc limit $3`,
    [orgId, opts.status ?? null, opts.limit ?? 100],
  );
  return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(), closed_at: r.closed_at?.toISOString() ?? null }));
}

/** Opens an incident, from an alert (one incident per alert: opening it again returns it) or on its own. */
export async function openIncident(
  orgId: string, by: Actor, input: { alertId?: string; title?: string; assignee?: string | null; note?: string },
): Promise<Incident> {
  const id = await withAudit(orgId, by, async (client) => {
    let title = input.title?.trim();
    if (input.alertId) {
      const alert = await lockedAlert(client, orgId, input.alertId);
      const existing = await client.query<{ id: string }>("select id from incidents where org_id = $1 and alert_id = $2", [orgId, alert.id]);
      if (existing.rows[0]) return { result: existing.rows[0].id, events: [] };
      title ||= alert.title;
      if (alert.status === "open") await client.query("update alerts set status = 'acknowledged', updated_at = now() where id = $1", [alert.id]);
    }
    if (!title) throw new VigilError("invalid_request", "an incident needs a title");
    const incidentId = uuidv7();
    await client.query(
      "insert into incidents (id, org_id, alert_id, title, assignee, status, created_by) values ($1, $2, $3, $4, $5, 'open', $6)",
      [incidentId, orgId, input.alertId ?? null, title.slice(0, 500), input.assignee ?? null, actorLabel(by)],
    );
    await timeline(client, orgId, null, incidentId, by, "status", `Incident opened${input.assignee ? `, assigned to ${input.assignee}` : ""}`);
    if (input.note) await timeline(client, orgId, null, incidentId, by, "note", input.note);
    return {
      result: incidentId,
      events: [{
        action: "INCIDENT_CREATED", category: "settings", targets: [{ type: "incident", id: incidentId, name: title.slice(0, 200) }],
        metadata: { alert_id: input.alertId ?? null, assignee: input.assignee ?? null },
      }],
    };
  });
  return (await getIncident(orgId, id))!;
}

/** Changes an incident's status or assignee and/or adds a note to its timeline. */
export async function updateIncident(
  orgId: string, incidentId: string, by: Actor, input: { status?: IncidentStatus; assignee?: string | null; note?: string },
): Promise<Incident> {
  await withAudit(orgId, by, async (client) => {
    const { rows } = await client.query(`select ${INCIDENT_COLUMNS} from incidents where org_id = $1 and id = $2 for update`, [orgId, incidentId]);
    const before = rows[0];
    if (!before) throw new VigilError("not_found", "incident not found");
    const changes: Array<{ field: string; before: unknown; after: unknown }> = [];
    if (input.status && input.status !== before.status) {
      changes.push({ field: "status", before: before.status, after: input.status });
      await timeline(client, orgId, null, incidentId, by, "status", `Status ${before.status} → ${input.status}`);
    }
    if (input.assignee !== undefined && input.assignee !== before.assignee) {
      changes.push({ field: "assignee", before: before.assignee, after: input.assignee });
      await timeline(client, orgId, null, incidentId, by, "assignment", input.assignee ? `Assigned to ${input.assignee}` : "Unassigned");
    }
    if (input.note?.trim()) await timeline(client, orgId, null, incidentId, by, "note", input.note.trim());
    if (changes.length === 0 && !input.note?.trim()) return { result: undefined, events: [] };
    const status = input.status ?? before.status;
    const closed = status === "resolved" || status === "false_positive";
    await client.query(
      `update incidents set status = $3, assignee = $4, updated_at = now(), closed_at = case when $5 then coalesce(closed_at, now()) else null end where org_id = $1 and id = $2`,
      [orgId, incidentId, status, input.assignee !== undefined ? input.assignee : before.assignee, closed],
    );
    // Closing the incident closes its alert the same way.
    if (closed && before.alert_id) {
      await client.query(
        "update alerts set status = $2, resolved_at = now(), updated_at = now() where id = $1 and status in ('open', 'acknowledged')",
        [before.alert_id, status],
      );
    }
    return {
      result: undefined,
      events: [{
        action: "INCIDENT_UPDATED", category: "settings", targets: [{ type: "incident", id: incidentId, name: String(before.title).slice(0, 200) }],
        changes, metadata: { note_added: Boolean(input.note?.trim()) },
      }],
    };
  });
  return (await getIncident(orgId, incidentId))!;
}
