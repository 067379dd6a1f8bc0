// Hourly at :07: verify what each org appended since its verified head and sign the new head.
import { cronRoute } from "@/lib/http/cron-route";
import { SCHEDULED_JOBS } from "@/server/jobs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute(SCHEDULED_JOBS.verify);
export const POST = GET;
