import { apiRoute } from "@/lib/http/api-route";
import { notFound } from "@/lib/http/errors";
import { recordEventViewed } from "@/lib/audit/reads";
import { eventWithChain } from "@/lib/events/event-detail";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * One event with its chain position; another org's id answers 404 like a missing one. A
 * person's read (a console session) is recorded as EVENT_VIEWED when the org's policy says so.
 */
export const GET = apiRoute<undefined, { id: string }>({ scope: "events:read" }, async ({ orgId, principal, params }) => {
  const event = await eventWithChain(orgId, params.id);
  if (!event) throw notFound("event");
  if (principal.reader) await recordEventViewed(principal.reader, event);
  return Response.json({ data: event });
});
