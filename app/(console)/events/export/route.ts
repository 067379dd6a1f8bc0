import { z } from "zod";
import { consoleRoute } from "@/lib/http/console-route";
import { personRequester } from "@/lib/audit/actor";
import { VigilError } from "@/lib/errors";
import { EXPORT_FORMATS } from "@/lib/events/export";
import { parseSearchQuery, queryToFilter } from "@/lib/events/search-params";
import { text as eventText } from "@/lib/events/schema";
import { startExport } from "@/lib/events/start-export";
import { normalizeParams } from "@/lib/console/search-page";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const exportRequest = z.object({
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(", ")}` }),
  reason: eventText(500).trim().min(3, "reason is required: say why these events are exported (at least 3 characters)"),
  export_id: z.uuid("export_id must be a UUID").optional(),
});

/**
 * The search page's export: the same filter as on screen, streamed as CSV or NDJSON, for
 * roles with events:export, with the reason the person gave. Recorded as DATA_EXPORTED
 * (with the record count) before the response completes, like the API's export. With an
 * `export_id` the page can poll /events/export/progress for a progress bar.
 */
// Exports start from the search page: a link from another site must not make one in someone's name.
export const GET = consoleRoute({ permission: "events:export", what: "export events", sameSite: "Start exports from the search page" }, async ({ req, session }) => {
  const url = new URL(req.url);
  const parsed = exportRequest.safeParse({
    format: url.searchParams.get("format") ?? "csv",
    // A missing reason reads as an empty one, so the message says what is needed.
    reason: url.searchParams.get("reason") ?? "",
    export_id: url.searchParams.get("export_id") || undefined,
  });
  if (!parsed.success) throw new VigilError("invalid_request", parsed.error.issues.map((i) => i.message).join("; "));
  const { format, reason, export_id: exportId } = parsed.data;
  const params = normalizeParams(Object.fromEntries(url.searchParams));
  params.delete("cursor");
  if (params.get("period") === "any") params.delete("period");
  const file = await startExport(session.org.id, {
    filter: queryToFilter(parseSearchQuery(params)),
    format,
    reason,
    who: personRequester(session.actor),
    progress: exportId ? { id: exportId, userId: session.actor.id } : undefined,
  });
  return new Response(file.body, { headers: file.headers });
});
