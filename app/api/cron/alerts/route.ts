// Every minute: run the suspicious-activity detectors over events since the last watermark.
import { cronRoute } from "@/lib/jobs/cron-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute("alerts");
export const POST = GET;
