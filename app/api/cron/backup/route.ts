// Daily at 02:15 UTC: write each org's events since its last segment to the archive store.
import { cronRoute } from "@/lib/http/cron-route";
import { SCHEDULED_JOBS } from "@/server/jobs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute(SCHEDULED_JOBS.backup);
export const POST = GET;
