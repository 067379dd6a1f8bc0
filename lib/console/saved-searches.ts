import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { isUuid } from "@/lib/uuid";

/** A person's saved searches in one org: a name and the search page's URL parameters. */

export interface SavedSearch {
  id: string;
  name: string;
  query: string;
}

const MAX_PER_USER = 50;

export async function listSavedSearches(orgId: string, userId: string): Promise<SavedSearch[]> {
  const { rows } = await pool().query<SavedSearch>(
    "select id, name, query from saved_searches where org_id = $1 and user_id = $2 order by name, created_at",
    [orgId, userId],
  );
  return rows;
}

export async function saveSearch(orgId: string, userId: string, input: { name: string; query: string }): Promise<SavedSearch> {
  const params = new URLSearchParams(input.query);
  params.delete("cursor");
  const query = params.toString();
  const count = await pool().query<{ n: number }>("select count(*)::int as n from saved_searches where org_id = $1 and user_id = $2", [orgId, userId]);
  if ((count.rows[0]?.n ?? 0) >= MAX_PER_USER) throw new VigilError("invalid_request", `You can keep up to ${MAX_PER_USER} saved searches; delete one first.`);
  const id = uuidv7();
  await pool().query("insert into saved_searches (id, org_id, user_id, name, query) values ($1, $2, $3, $4, $5)", [id, orgId, userId, input.name.trim(), query]);
  return { id, name: input.name.trim(), query };
}

export async function deleteSavedSearch(orgId: string, userId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw new VigilError("not_found", "That saved search doesn't exist.");
  const { rowCount } = await pool().query("delete from saved_searches where org_id = $1 and user_id = $2 and id = $3", [orgId, userId, id]);
  if (!rowCount) throw new VigilError("not_found", "That saved search doesn't exist.");
}
