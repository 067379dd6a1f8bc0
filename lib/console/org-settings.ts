import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { addBlocklistEntry, removeBlocklistEntry } from "@/lib/auth/blocklist";
import { diff } from "@/lib/audit/mask";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { unlockUnblockedMembers } from "@/lib/auth/account-lock";
import { addOrgWitness, removeOrgWitness } from "@/lib/integrity/http-witness";

/**
 * Organization settings (name, time zone, business hours, the MFA requirement, the
 * record-reads policy) and the blocklist, each change a SETTINGS_CHANGED /
 * BLOCKLIST_ENTRY_* event with before → after.
 */

export interface OrgSettings {
  name: string;
  timezone: string;
  businessHours: { days: number[]; start: string; end: string };
  requireMfa: boolean;
  /** Opening an event and running a search are recorded as events (lib/audit/reads.ts). */
  recordReads: boolean;
}

type OrgRow = { name: string; timezone: string; business_hours: OrgSettings["businessHours"]; require_mfa: boolean; record_reads: boolean };
const ORG_COLUMNS = "name, timezone, business_hours, require_mfa, record_reads";

function fromRow(r: OrgRow): OrgSettings {
  return { name: r.name, timezone: r.timezone, businessHours: r.business_hours, requireMfa: r.require_mfa, recordReads: r.record_reads };
}

export async function getOrgSettings(orgId: string): Promise<OrgSettings> {
  const { rows } = await pool().query<OrgRow>(`select ${ORG_COLUMNS} from organizations where id = $1`, [orgId]);
  const r = rows[0];
  if (!r) throw new VigilError("not_found", "Organization not found.");
  return fromRow(r);
}

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const flat = (s: OrgSettings) => ({
  name: s.name,
  timezone: s.timezone,
  business_days: s.businessHours.days.map((d) => DAY_NAMES[d]).join(", "),
  business_hours: `${s.businessHours.start}–${s.businessHours.end}`,
  require_mfa: s.requireMfa,
  record_reads: s.recordReads,
});

export async function updateOrgSettings(
  orgId: string,
  actor: { audit: PersonActor; mfaEnabled: boolean },
  next: OrgSettings,
): Promise<{ changed: number }> {
  if (next.businessHours.start >= next.businessHours.end) {
    throw new VigilError("invalid_request", "Business hours must end after they start.", { end: "must be after the start" });
  }
  return withAudit(orgId, actor.audit, async (client) => {
    const { rows } = await client.query<OrgRow>(`select ${ORG_COLUMNS} from organizations where id = $1 for update`, [orgId]);
    const r = rows[0];
    if (!r) throw new VigilError("not_found", "Organization not found.");
    const before = fromRow(r);
    // Turning the requirement on without MFA yourself would shut you out of the console.
    if (next.requireMfa && !before.requireMfa && !actor.mfaEnabled) {
      throw new VigilError("invalid_request", "Set up MFA on your own account before requiring it for everyone.", { requireMfa: "set up your own MFA first" });
    }
    const changes = diff(flat(before), flat(next));
    if (changes.length === 0) return { result: { changed: 0 }, events: [] };
    await client.query(
      "update organizations set name = $2, timezone = $3, business_hours = $4, require_mfa = $5, record_reads = $6 where id = $1",
      [orgId, next.name, next.timezone, JSON.stringify(next.businessHours), next.requireMfa, next.recordReads],
    );
    return {
      result: { changed: changes.length },
      events: [{
        action: "SETTINGS_CHANGED",
        category: "settings",
        targets: [{ type: "organization", id: orgId, name: next.name }],
        changes,
        metadata: { section: "organization", action: "updated", details: changes.map((c) => c.field).join(", ") },
      }],
    };
  });
}

export async function blockFromConsole(
  orgId: string,
  actor: PersonActor,
  input: { value: string; reason?: string; expiresAt?: Date | null },
): Promise<void> {
  await withAudit(orgId, actor, async (client) => {
    const entry = await addBlocklistEntry(client, orgId, { value: input.value, reason: input.reason || null, createdBy: actor.email, expiresAt: input.expiresAt ?? null });
    return {
      result: undefined,
      events: [{
        action: "BLOCKLIST_ENTRY_CREATED",
        category: "settings",
        targets: [{ type: entry.kind, id: entry.value }],
        reason: input.reason || undefined,
        metadata: { blocklist_entry_id: entry.id, kind: entry.kind, value: entry.value, expires_at: entry.expires_at, automatic: false },
      }],
    };
  });
}

export async function unblockFromConsole(orgId: string, actor: PersonActor, input: { id: string }): Promise<void> {
  await withAudit(orgId, actor, async (client) => {
    const entry = await removeBlocklistEntry(client, orgId, input.id);
    if (!entry) throw new VigilError("not_found", "That entry doesn't exist.");
    // Unblocking an account a block had locked (a Vigil user of the org) unlocks it.
    const unlocked = entry.kind === "actor" ? await unlockUnblockedMembers(client, orgId, entry.value) : [];
    return {
      result: undefined,
      events: [{
        action: "BLOCKLIST_ENTRY_DELETED",
        category: "settings",
        targets: [{ type: entry.kind, id: entry.value }, ...unlocked.map((u) => ({ type: "user", id: u.id, name: u.email }))],
        metadata: {
          blocklist_entry_id: entry.id, kind: entry.kind, value: entry.value, previous_reason: entry.reason,
          ...(unlocked.length > 0 ? { unlocked_users: unlocked.map((u) => u.email) } : {}),
        },
      }],
    };
  });
}

/** Settings → Witnesses: a witness the org's signed heads are sent to from now on. */
export async function addWitnessFromConsole(orgId: string, actor: PersonActor, input: { url: string; verifierKey?: string }): Promise<void> {
  await withAudit(orgId, actor, async (client) => {
    const w = await addOrgWitness(client, orgId, { url: input.url, verifierKey: input.verifierKey, createdBy: actor.email });
    return {
      result: undefined,
      events: [{
        action: "WITNESS_ADDED",
        category: "settings",
        targets: [{ type: "witness", id: w.id, name: w.url }],
        metadata: { url: w.url, verifier_key: w.verifier_key },
      }],
    };
  });
}

export async function removeWitnessFromConsole(orgId: string, actor: PersonActor, input: { id: string }): Promise<void> {
  await withAudit(orgId, actor, async (client) => {
    const w = await removeOrgWitness(client, orgId, input.id);
    if (!w) throw new VigilError("not_found", "That witness doesn't exist.");
    return {
      result: undefined,
      events: [{ action: "WITNESS_REMOVED", category: "settings", targets: [{ type: "witness", id: w.id, name: w.url }], metadata: { url: w.url } }],
    };
  });
}
