import type pg from "pg";
import { VigilError } from "@/lib/errors";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { parseIpOrCidr } from "@/lib/events/ip";
import { isUuid } from "@/lib/uuid";

/**
 * An org's blocklist: IP addresses, CIDR ranges (v4 and v6) and actors (an email or an
 * actor id). Vigil's own sign-in refuses what it holds; integrators read it from
 * GET /api/v1/blocklist to enforce it in their product. Expired entries no longer apply.
 */

export const BLOCK_KINDS = ["ip", "cidr", "actor"] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export interface BlocklistEntry {
  id: string;
  org_id: string;
  kind: BlockKind;
  value: string;
  reason: string | null;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
}

/** A blocklist value Vigil can't match: an invalid_request naming the form's field. */
const badValue = (message: string) => new VigilError("invalid_request", message, { value: message });

/** Normalizes what a person typed: an address, a range, else an actor (emails lower-cased). */
/** An actor as the blocklist keeps it: emails lowercased, ids as they are. */
export function actorKey(actor: string): string {
  return actor.includes("@") ? actor.toLowerCase() : actor;
}

export function normalizeBlockValue(raw: string, kind?: BlockKind): { kind: BlockKind; value: string } {
  const value = raw.trim();
  if (!value) throw badValue("enter an IP address, a CIDR range or an actor");
  if (value.length > 320) throw badValue("is longer than 320 characters");
  const ip = parseIpOrCidr(value);
  // Something shaped like an address (digits, dots, colons, a slash) is never taken for an actor.
  const looksLikeIp = /^[0-9a-f.:/]+$/i.test(value) && /[.:]/.test(value);
  if (kind === "ip" || kind === "cidr" || (!kind && (ip || looksLikeIp))) {
    if (!ip) throw badValue(`'${value}' is not an IP address or CIDR range (v4 or v6)`);
    return { kind: ip.kind === "cidr" ? "cidr" : "ip", value: ip.text };
  }
  return { kind: "actor", value: actorKey(value) };
}

const COLUMNS = "id, org_id, kind, value, reason, created_by, created_at, expires_at";

interface Row extends Omit<BlocklistEntry, "created_at" | "expires_at"> {
  created_at: Date;
  expires_at: Date | null;
}

function toEntry(r: Row): BlocklistEntry {
  return { ...r, created_at: r.created_at.toISOString(), expires_at: r.expires_at?.toISOString() ?? null };
}

/** Entries that apply now, newest first. */
export async function listBlocklist(orgId: string, opts: { includeExpired?: boolean } = {}): Promise<BlocklistEntry[]> {
  const { rows } = await pool().query<Row>(
    `select ${COLUMNS} from blocklist_entries where org_id = $1 ${opts.includeExpired ? "" : "and (expires_at is null or expires_at > now())"}
     order by created_at desc, id desc`,
    [orgId],
  );
  return rows.map(toEntry);
}

/**
 * Adds an entry (or renews the same one: reason and expiry are replaced) inside the
 * caller's transaction, so the audit record of the block commits with it.
 */
export async function addBlocklistEntry(
  client: pg.PoolClient,
  orgId: string,
  entry: { value: string; kind?: BlockKind; reason?: string | null; createdBy?: string | null; expiresAt?: Date | null },
): Promise<BlocklistEntry> {
  const { kind, value } = normalizeBlockValue(entry.value, entry.kind);
  const { rows } = await client.query<Row>(
    `insert into blocklist_entries (id, org_id, kind, value, reason, created_by, expires_at) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (org_id, kind, value) do update set reason = excluded.reason, created_by = excluded.created_by,
       expires_at = excluded.expires_at, created_at = now()
     returning ${COLUMNS}`,
    [uuidv7(), orgId, kind, value, entry.reason ?? null, entry.createdBy ?? null, entry.expiresAt ?? null],
  );
  return toEntry(rows[0]!);
}

/** Removes one entry of the org; undefined when the id is not the org's. */
export async function removeBlocklistEntry(client: pg.PoolClient, orgId: string, id: string): Promise<BlocklistEntry | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await client.query<Row>(`delete from blocklist_entries where org_id = $1 and id = $2 returning ${COLUMNS}`, [orgId, id]);
  return rows[0] ? toEntry(rows[0]) : undefined;
}

/**
 * The first entry of any of the orgs that blocks the IP or one of the actors (email, id),
 * or undefined. CASE keeps the inet cast away from actor rows.
 */
export async function findBlock(
  orgIds: string[],
  subject: { ip?: string | null; actors: string[] },
  db: pg.Pool | pg.PoolClient = pool(),
): Promise<Pick<BlocklistEntry, "id" | "org_id" | "kind" | "value" | "reason"> | undefined> {
  if (orgIds.length === 0) return undefined;
  const actors = subject.actors.filter(Boolean).map(actorKey);
  const { rows } = await db.query<Pick<BlocklistEntry, "id" | "org_id" | "kind" | "value" | "reason">>(
    `select id, org_id, kind, value, reason from blocklist_entries
     where org_id = any($1::uuid[]) and (expires_at is null or expires_at > now())
       and case when kind in ('ip', 'cidr') then $2::inet is not null and $2::inet <<= value::inet
                else value = any($3::text[]) end
     limit 1`,
    [orgIds, subject.ip ?? null, actors],
  );
  return rows[0];
}

/** The orgs among `orgIds` whose blocklist holds the IP or one of the actors. */
export async function blockingOrgs(orgIds: string[], subject: { ip?: string | null; actors: string[] }, db: pg.Pool | pg.PoolClient = pool()): Promise<string[]> {
  if (orgIds.length === 0) return [];
  const actors = subject.actors.filter(Boolean).map(actorKey);
  const { rows } = await db.query<{ org_id: string }>(
    `select distinct org_id from blocklist_entries
     where org_id = any($1::uuid[]) and (expires_at is null or expires_at > now())
       and case when kind in ('ip', 'cidr') then $2::inet is not null and $2::inet <<= value::inet
                else value = any($3::text[]) end`,
    [orgIds, subject.ip ?? null, actors],
  );
  return rows.map((r) => r.org_id);
}

/**
 * Which of these IPs and actors the org's blocklist holds at `now`: the same match as
 * sign-in's (an address inside a CIDR entry is blocked; actors by actorKey).
 */
export async function blockedAmong(
  orgId: string,
  subject: { ips: string[]; actors: string[] },
  db: pg.Pool | pg.PoolClient = pool(),
  now = new Date(),
): Promise<{ ips: Set<string>; actors: Set<string> }> {
  const actors = subject.actors.filter(Boolean).map(actorKey);
  const { rows } = await db.query<{ kind: "ip" | "actor"; value: string }>(
    `with entries as (
       select kind, value from blocklist_entries where org_id = $1 and (expires_at is null or expires_at > $4)
     )
     select 'ip' as kind, host(ip) as value from unnest($2::inet[]) ip
       where exists (select 1 from entries e where case when e.kind in ('ip', 'cidr') then ip <<= e.value::inet else false end)
     union all
     select 'actor', a from unnest($3::text[]) a where exists (select 1 from entries e where e.kind = 'actor' and e.value = a)`,
    [orgId, subject.ips, actors, now],
  );
  return {
    ips: new Set(rows.filter((r) => r.kind === "ip").map((r) => r.value)),
    actors: new Set(rows.filter((r) => r.kind === "actor").map((r) => r.value)),
  };
}
