// Every 5 minutes: fold new events into the report rollups, make the monthly reports that
// are due, and retry report emails that failed (lib/reports/job.ts).
import { cronRoute } from "@/lib/http/cron-route";
import { SCHEDULED_JOBS } from "@/server/jobs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute(SCHEDULED_JOBS.reports);
export const POST = GET;
