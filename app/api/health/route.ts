import { healthPool } from "@/lib/db/pool";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Liveness and database readiness; 503 when the database does not answer. */
export async function GET(): Promise<Response> {
  const started = Date.now();
  try {
    // Its own connections: a pool busy with reads or ingest must not read as a database outage.
    await healthPool().query("select 1");
    return Response.json({ status: "ok", database: "up", latency_ms: Date.now() - started }, { headers: { "Cache-Control": "no-store" } });
  } catch {
    return Response.json({ status: "degraded", database: "down" }, { status: 503, headers: { "Retry-After": "5", "Cache-Control": "no-store" } });
  }
}
