import { SYSTEM_ACTOR } from "@/lib/audit/actor";
import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { generate } from "otplib";
import { pool, withTransaction } from "@/lib/db/pool";
import { addBlocklistEntry } from "@/lib/auth/blocklist";
import { createApiKey } from "@/lib/auth/api-keys";
import { newTotpSecret, replaceRecoveryCodes, sealSecret } from "@/lib/auth/mfa";
import { upsertAlert } from "@/lib/alerts/store";
import { openIncident } from "@/lib/alerts/actions";
import { addAlertChannel } from "@/lib/alerts/channels";
import { recordEvent } from "@/lib/events/ingest";
import { takeCheckpoint } from "@/lib/integrity/checkpoints";
import { addOrgWitness } from "@/lib/integrity/http-witness";
import { archiveThrough } from "@/lib/retention/segments";
import { makeMonthlyReports } from "@/lib/reports/scheduled";
import { saveSearch } from "@/lib/console/saved-searches";
import { renderSecurityReportPdf } from "@/components/reports/security-report-pdf";
import { addUser, type TestUser } from "@/tests/integration/console-fixtures";
import { newOrg } from "@/tests/helpers/fixtures";

/**
 * The organization an authorization probe acts on, with one of each kind of tenant-owned
 * thing in it. Probes that change something ask for a fresh one (an alert, a member, a
 * key…) so every call starts from the same state; `missing()` is the same world with
 * every id replaced by one that exists nowhere, to show that another org's id is answered
 * exactly like a missing one.
 */

export const CUSTOM_ROLES = {
  "custom:reader": ["events:read"],
  "custom:ops": ["alerts:manage", "settings:manage"],
} as const;

const SYSTEM = SYSTEM_ACTOR;
const rand = () => crypto.randomBytes(5).toString("hex");

export class World {
  /** Ids and names that must never show up in what another org's member or key gets back. */
  readonly secrets = new Set<string>();
  customRoles: Record<string, string> = {};
  stable = { eventId: "", alertId: "", incidentId: "", reportRunId: "", segmentId: "", apiKeyId: "" };

  private constructor(readonly orgId: string, readonly slug: string, readonly owner: TestUser, readonly isMissing = false) {}

  static async create(opts: { requireMfa?: boolean } = {}): Promise<World> {
    const { org, apiKey } = await newOrg();
    const owner = await addUser(org.id, "owner");
    const w = new World(org.id, org.slug, owner);
    for (const [name, permissions] of Object.entries(CUSTOM_ROLES)) {
      const id = uuidv7();
      await pool().query("insert into roles (id, org_id, key, name, permissions, built_in) values ($1, $2, $3, $4, $5, false)", [id, org.id, `${name}-${rand()}`, name, [...permissions]]);
      w.customRoles[name] = id;
    }
    const event = await recordEvent(org.id, {
      action: "CONTACT_UPDATED", actor: { type: "user", email: `stable-${org.slug}@example.com` }, context: { ip: "198.51.100.10" },
      targets: [{ type: "contact", id: `contact-${org.slug}`, name: `Contact of ${org.slug}` }],
    }, "api");
    w.stable.eventId = event.id;
    w.stable.alertId = await w.alert();
    w.stable.incidentId = await w.incident();
    const [run] = await makeMonthlyReports(renderSecurityReportPdf, { now: new Date("2025-03-10T12:00:00Z"), orgIds: [org.id] });
    w.stable.reportRunId = run!.runId;
    const head = await pool().query<{ seq: string }>("select seq from chain_heads where org_id = $1", [org.id]);
    const [segment] = await archiveThrough(org.id, Number(head.rows[0]!.seq), "backup");
    w.stable.segmentId = segment!.id;
    await takeCheckpoint(org.id);
    await w.blockEntry();
    await saveSearch(org.id, owner.id, { name: `Saved of ${org.slug}`, query: "action=CONTACT_UPDATED" });
    w.stable.apiKeyId = apiKey.id;
    if (opts.requireMfa) await pool().query("update organizations set require_mfa = true where id = $1", [org.id]);
    for (const id of [org.id, org.slug, `stable-${org.slug}@example.com`, `contact-${org.slug}`, ...Object.values(w.stable)]) w.secrets.add(id);
    return w;
  }

  /** The same org, with every thing in it replaced by an id that exists nowhere. */
  missing(): World {
    const m = new World(this.orgId, this.slug, this.owner, true);
    m.customRoles = Object.fromEntries(Object.keys(this.customRoles).map((k) => [k, crypto.randomUUID()]));
    m.stable = { eventId: crypto.randomUUID(), alertId: crypto.randomUUID(), incidentId: crypto.randomUUID(), reportRunId: crypto.randomUUID(), segmentId: crypto.randomUUID(), apiKeyId: crypto.randomUUID() };
    return m;
  }

  private async fresh(make: () => Promise<string>): Promise<string> {
    return this.isMissing ? crypto.randomUUID() : make();
  }

  /** An open alert about a person and an address no principal uses, so blocking it locks no one out. */
  alert(): Promise<string> {
    return this.fresh(async () => {
      const now = new Date();
      const { alert } = await upsertAlert(pool(), this.orgId, {
        rule: "brute_force", severity: "warning", title: "Failed logins", eventIds: [],
        subject: { ip: `198.51.100.${crypto.randomInt(20, 250)}`, actor: `suspect-${rand()}@example.com` }, firstSeen: now, lastSeen: now,
      });
      return alert.id;
    });
  }

  incident(): Promise<string> {
    return this.fresh(async () => (await openIncident(this.orgId, SYSTEM, { title: `Incident ${rand()}` })).id);
  }

  /** A member with the agent role (no permissions), whom anyone allowed to manage members may manage. */
  member(): Promise<string> {
    return this.fresh(async () => {
      const user = await addUser(this.orgId, "agent");
      const { rows } = await pool().query("select id from memberships where org_id = $1 and user_id = $2", [this.orgId, user.id]);
      return rows[0].id;
    });
  }

  /** A pending invitation to a fresh address. */
  invitation(): Promise<string> {
    return this.fresh(async () => {
      const id = uuidv7();
      await pool().query(
        "insert into invitations (id, org_id, email, role_id, token_hash, expires_at) values ($1, $2, $3, (select id from roles where key = 'director' and org_id is null), $4, now() + interval '7 days')",
        [id, this.orgId, `invited-${rand()}@example.com`, rand() + rand()],
      );
      return id;
    });
  }

  /** The token of a pending invitation (to `email`, else a fresh address). */
  async invitationToken(email?: string): Promise<string> {
    if (this.isMissing) return rand();
    const token = crypto.randomBytes(32).toString("base64url");
    await pool().query(
      "insert into invitations (id, org_id, email, role_id, token_hash, expires_at) values ($1, $2, $3, (select id from roles where key = 'director' and org_id is null), encode(sha256($4::bytea), 'hex'), now() + interval '7 days')",
      [uuidv7(), this.orgId, email ?? `invited-${rand()}@example.com`, token],
    );
    return token;
  }

  customRole(): Promise<string> {
    return this.fresh(async () => {
      const id = uuidv7();
      await pool().query("insert into roles (id, org_id, key, name, permissions, built_in) values ($1, $2, $3, $4, $5, false)", [id, this.orgId, `probe-${rand()}`, `Probe ${rand()}`, ["events:read"]]);
      return id;
    });
  }

  apiKey(): Promise<string> {
    return this.fresh(async () => (await createApiKey(this.orgId, { name: `Probe ${rand()}`, scopes: ["events:read"], createdBy: { label: "authz probe" } })).id);
  }

  blockEntry(): Promise<string> {
    return this.fresh(async () => withTransaction(async (client) => (await addBlocklistEntry(client, this.orgId, { value: `blocked-${rand()}@example.com`, kind: "actor" })).id));
  }

  /** A witness of the org's heads (Settings → Witnesses). */
  witness(): Promise<string> {
    return this.fresh(async () => withTransaction(async (client) => (await addOrgWitness(client, this.orgId, { url: `https://witness-${rand()}.example.com/`, createdBy: null })).id));
  }

  /** A webhook notification channel (it has a signing secret to rotate). */
  channel(): Promise<string> {
    return this.fresh(async () => (await addAlertChannel(this.orgId, SYSTEM, { kind: "webhook", target: `https://hooks.example.com/vigil/${rand()}` })).channel.id);
  }

  /** A saved search of `userId` (of the owner when the caller is no member here). */
  savedSearch(userId?: string): Promise<string> {
    return this.fresh(async () => (await saveSearch(this.orgId, userId ?? this.owner.id, { name: `Search ${rand()}`, query: "status=failed" })).id);
  }

  /** A settings change made by someone else, which reviewers may review. */
  settingsChange(): Promise<string> {
    return this.fresh(async () => (await recordEvent(this.orgId, {
      action: "SETTINGS_CHANGED", category: "settings", actor: { type: "user", email: `changer-${rand()}@example.com` },
      metadata: { section: "organization", action: "updated" },
    }, "console")).id);
  }

  /** An export of `userId` whose progress can be asked for. */
  exportRun(userId?: string): Promise<string> {
    return this.fresh(async () => {
      const id = uuidv7();
      await pool().query(
        "insert into export_runs (id, org_id, user_id, format, filter, reason) values ($1, $2, $3, 'csv', '', 'authorization matrix')",
        [id, this.orgId, userId ?? this.owner.id],
      );
      return id;
    });
  }
}

/** Turns MFA on for a person (as enrollment would) and gives what they'd use to prove it. */
export async function enableMfa(userId: string): Promise<{ code: () => Promise<string>; recoveryCodes: string[] }> {
  const secret = newTotpSecret();
  const recoveryCodes = await withTransaction(async (client) => {
    await client.query("update users set mfa_secret = $2, mfa_enabled_at = now(), mfa_last_step = null where id = $1", [userId, sealSecret(secret)]);
    return replaceRecoveryCodes(client, userId);
  });
  return { code: () => generate({ secret }), recoveryCodes };
}

/** Starts enrollment for a person, as the account page's first step does, and gives the code that confirms it. */
export async function pendingMfa(user: TestUser): Promise<() => Promise<string>> {
  const secret = newTotpSecret();
  await pool().query("update users set mfa_secret = $2 where id = $1 and mfa_enabled_at is null", [user.id, sealSecret(secret)]);
  return () => generate({ secret });
}

/**
 * What an org holds that a refused request must leave as it was: every tenant-owned table
 * a console action or API call can write, row by row (minus what merely using a key or an
 * export's background count touches), and the number of its audit events.
 */
const FINGERPRINT_TABLES: Array<[table: string, row: string]> = [
  ["organizations", "to_jsonb(t)"],
  ["memberships", "to_jsonb(t)"],
  ["roles", "to_jsonb(t)"],
  ["api_keys", "to_jsonb(t) - 'last_used_at'"],
  ["blocklist_entries", "to_jsonb(t)"],
  ["saved_searches", "to_jsonb(t)"],
  ["alerts", "to_jsonb(t)"],
  ["incidents", "to_jsonb(t)"],
  ["incident_notes", "to_jsonb(t)"],
  ["event_reviews", "to_jsonb(t)"],
  ["alert_channels", "to_jsonb(t)"],
  ["alert_rules", "to_jsonb(t)"],
  ["report_runs", "to_jsonb(t.id)"],
  ["report_schedules", "to_jsonb(t)"],
  ["export_runs", "to_jsonb(t.id)"],
];

export async function fingerprint(orgId: string): Promise<string> {
  const parts = FINGERPRINT_TABLES.map(([table, row]) =>
    `(select md5(coalesce(string_agg((${row})::text, ',' order by (${row})::text), '')) from ${table} t where t.${table === "organizations" ? "id" : "org_id"} = $1)`);
  const { rows } = await pool().query<{ f: unknown }>(
    `select json_build_array(
       (select count(*) from audit_events where org_id = $1),
       ${parts.join(",\n       ")},
       (select md5(coalesce(string_agg(u.id || ':' || coalesce(u.mfa_enabled_at::text, '') || ':' || coalesce(u.mfa_secret, ''), ',' order by u.id), ''))
          from users u join memberships m on m.user_id = u.id where m.org_id = $1)
     ) as f`,
    [orgId],
  );
  return JSON.stringify(rows[0]!.f);
}

export async function auditCount(orgId: string): Promise<number> {
  const { rows } = await pool().query<{ n: number }>("select count(*)::int as n from audit_events where org_id = $1", [orgId]);
  return rows[0]!.n;
}
