import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { listReportRuns } from "@/lib/reports/scheduled";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(120).default(24) });

/** The reports the scheduler made and kept (the monthly review), newest first. */
export const GET = apiRoute({ scope: "reports:read", query }, async ({ orgId, query }) => {
  return Response.json({ data: await listReportRuns(orgId, query.limit) });
});
