// Daily at 02:15 UTC: write each org's events since its last segment to the archive store.
import { cronRoute } from "@/lib/jobs/cron-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = cronRoute("backup");
export const POST = GET;
