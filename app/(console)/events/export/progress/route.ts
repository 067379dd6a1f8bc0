import { isUuid } from "@/lib/uuid";
import { VigilError } from "@/lib/errors";
import { consoleRoute } from "@/lib/http/console-route";
import { getExportRun } from "@/lib/events/export-runs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** How far one of the signed-in person's exports has got: `{ records, total, status }`. */
export const GET = consoleRoute({ permission: "events:export", what: "export events", json: true }, async ({ req, session }) => {
  const id = new URL(req.url).searchParams.get("id") ?? "";
  if (!isUuid(id)) throw new VigilError("invalid_request", "id must be an export's UUID");
  const run = await getExportRun(session.org.id, session.user.id, id);
  if (!run) throw new VigilError("not_found", "No such export.");
  return Response.json({ records: Number(run.records), total: run.total === null ? null : Number(run.total), status: run.status }, { headers: { "Cache-Control": "no-store" } });
});
