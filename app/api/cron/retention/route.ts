// Daily at 03:45 UTC: archive, read back and verify, then remove events past each org's retention.
import { cronRoute } from "@/lib/http/cron-route";
import { SCHEDULED_JOBS } from "@/server/jobs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute(SCHEDULED_JOBS.retention);
export const POST = GET;
