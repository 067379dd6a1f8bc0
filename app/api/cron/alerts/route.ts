// Every minute: run the suspicious-activity detectors over events since the last watermark.
import { cronRoute } from "@/lib/http/cron-route";
import { SCHEDULED_JOBS } from "@/server/jobs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute(SCHEDULED_JOBS.alerts);
export const POST = GET;
