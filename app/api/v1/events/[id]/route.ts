import { apiRoute } from "@/lib/http/api-route";
import { notFound } from "@/lib/http/errors";
import { eventWithChain } from "@/lib/events/event-detail";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** One event with its chain position; another org's id answers 404 like a missing one. */
export const GET = apiRoute<undefined, { id: string }>({ scope: "events:read" }, async ({ orgId, params }) => {
  const event = await eventWithChain(orgId, params.id);
  if (!event) throw notFound("event");
  return Response.json({ data: event });
});
