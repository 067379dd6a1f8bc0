import { isUuid } from "@/lib/uuid";
import { consoleAccess, refusalMessage, refusalStatus } from "@/lib/auth/session";
import { getExportRun } from "@/lib/events/export-runs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";


/** How far one of the signed-in person's exports has got: `{ records, total, status }`. */
export async function GET(req: Request): Promise<Response> {
  const { session, refusal } = await consoleAccess("events:export");
  if (refusal) return Response.json({ error: refusalMessage(refusal, "export events") }, { status: refusalStatus(refusal) });
  const id = new URL(req.url).searchParams.get("id") ?? "";
  if (!isUuid(id)) return Response.json({ error: "id must be an export's UUID" }, { status: 400 });
  const run = await getExportRun(session.org.id, session.user.id, id);
  if (!run) return Response.json({ error: "No such export." }, { status: 404, headers: { "Cache-Control": "no-store" } });
  return Response.json({ records: Number(run.records), total: run.total === null ? null : Number(run.total), status: run.status }, { headers: { "Cache-Control": "no-store" } });
}
