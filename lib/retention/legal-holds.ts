import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { actorLabel, type Actor } from "@/lib/audit/actor";
import { withAudit } from "@/lib/audit/record";
import { filterToSql } from "@/lib/events/filter-sql";
import { parseQuery } from "@/lib/events/query-language";

/**
 * Legal holds stop deletion until released: of the whole org (no query) or of the events a
 * query-language filter matches. Placing and releasing a hold are audit events.
 */

export interface LegalHold {
  id: string;
  name: string;
  query: string | null;
  created_by: string;
  created_at: Date;
  released_at: Date | null;
}

export async function activeHolds(orgId: string): Promise<LegalHold[]> {
  const { rows } = await pool().query<LegalHold>(
    "select id, name, query, created_by, created_at, released_at from legal_holds where org_id = $1 and released_at is null order by created_at",
    [orgId],
  );
  return rows;
}

export async function placeLegalHold(orgId: string, by: Actor, input: { name: string; query?: string | null }): Promise<LegalHold> {
  const name = input.name.trim();
  if (!name) throw new Error("a legal hold needs a name");
  const query = input.query?.trim() || null;
  if (query) filterToSql(orgId, parseQuery(query)); // refuses a query that doesn't parse, now rather than at deletion time
  const id = uuidv7();
  const actor = actorLabel(by);
  await withAudit(orgId, by, async (client) => {
    await client.query("insert into legal_holds (id, org_id, name, query, created_by) values ($1, $2, $3, $4, $5)", [id, orgId, name, query, actor]);
    return { result: undefined, events: [{ action: "LEGAL_HOLD_PLACED", category: "settings", targets: [{ type: "legal_hold", id, name }], metadata: { query } }] };
  });
  return (await activeHolds(orgId)).find((h) => h.id === id)!;
}

export async function releaseLegalHold(orgId: string, id: string, by: Actor): Promise<boolean> {
  return withAudit(orgId, by, async (client) => {
    const { rows } = await client.query<{ name: string; query: string | null }>(
      "update legal_holds set released_at = now() where org_id = $1 and id = $2 and released_at is null returning name, query",
      [orgId, id],
    );
    if (!rows[0]) return { result: false, events: [] };
    return { result: true, events: [{ action: "LEGAL_HOLD_RELEASED", category: "settings", targets: [{ type: "legal_hold", id, name: rows[0].name }], metadata: { query: rows[0].query } }] };
  });
}

/**
 * SQL excluding held rows (params appended), or null when a whole-org hold stops all deletion.
 * Each hold's filter is ANDed with the org id by filterToSql; "held" is any hold matching.
 */
export function notHeldSql(orgId: string, holds: LegalHold[], params: unknown[]): string | null {
  if (holds.some((h) => !h.query)) return null;
  const conds = holds.map((h) => `not coalesce((${filterToSql(orgId, parseQuery(h.query!), params).sql}), false)`);
  return conds.length ? conds.join(" and ") : "true";
}
