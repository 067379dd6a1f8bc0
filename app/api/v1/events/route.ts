import { apiRoute, readJsonBody } from "@/lib/http/api-route";
import { recordEventsSearched } from "@/lib/audit/reads";
import { VigilError } from "@/lib/errors";
import { batchInputSchema, zodErrors } from "@/lib/events/schema";
import { ingestEvents } from "@/lib/events/ingest";
import { searchQuerySchema, queryToFilter } from "@/lib/events/search-params";
import { searchEvents } from "@/lib/events/search";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Ingest one event, or `{ events: [...] }` of up to 1000, answered per item. */
export const POST = apiRoute({ scope: "events:write" }, async ({ req, orgId }) => {
  const body = await readJsonBody(req);
  const isBatch = typeof body === "object" && body !== null && !Array.isArray(body) && "events" in body;
  let items: unknown[];
  if (isBatch) {
    const parsed = batchInputSchema.safeParse(body);
    if (!parsed.success) throw new VigilError("invalid_request", "invalid batch", zodErrors(parsed.error));
    items = parsed.data.events;
  } else {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new VigilError("invalid_request", "the body must be an event object or { \"events\": [...] }");
    }
    items = [body];
  }
  const results = await ingestEvents(orgId, items, "api");
  const summary = { created: 0, duplicate: 0, rejected: 0 };
  for (const r of results) summary[r.status]++;
  if (summary.rejected === results.length) {
    const details = isBatch
      ? results
      : results[0]!.errors;
    throw new VigilError("invalid_request", isBatch ? "every event in the batch was rejected" : "invalid event", details);
  }
  return Response.json({ data: results, summary }, { status: summary.created > 0 ? 201 : 200 });
});

/**
 * Search, newest first, with keyset pagination. A person's search (a console session) is
 * recorded as EVENTS_SEARCHED when the org's policy records reads, as on the search page;
 * only the first page counts.
 */
export const GET = apiRoute({ scope: "events:read", query: searchQuerySchema }, async ({ req, orgId, principal, query }) => {
  const filter = queryToFilter(query);
  const page = await searchEvents(orgId, filter, { limit: query.limit, cursor: query.cursor });
  if (principal.reader && !query.cursor) {
    const params = new URL(req.url).searchParams;
    params.delete("cursor");
    await recordEventsSearched(principal.reader, { filter, params: params.toString(), results: page.data.length, more: page.next_cursor !== null });
  }
  return Response.json(page);
});
