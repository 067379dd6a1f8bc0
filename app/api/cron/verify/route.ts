// Hourly at :07: re-verify each org's chain since its last checkpoint and sign the new head.
import { cronRoute } from "@/lib/jobs/cron-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute("verify");
export const POST = GET;
