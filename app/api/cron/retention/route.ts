// Daily at 03:45 UTC: archive, read back and verify, then remove events past each org's retention.
import { cronRoute } from "@/lib/jobs/cron-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute("retention");
export const POST = GET;
