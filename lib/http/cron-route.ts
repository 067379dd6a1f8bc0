import crypto from "node:crypto";
import { errorResponse } from "@/lib/http/errors";
import { env } from "@/lib/env";
import { VigilError } from "@/lib/errors";
import { runJob, type ScheduledJob } from "@/lib/jobs/runner";

/**
 * The one wrapper for /api/cron routes: `Authorization: Bearer $CRON_SECRET` and nothing
 * else (401 when it is missing, wrong, or no secret is configured), then the job under its
 * advisory lock. The secret is compared as SHA-256 digests with timingSafeEqual, so neither
 * its content nor its length leaks through timing.
 */

export function cronAuthorized(req: Request, secret = env().CRON_SECRET): boolean {
  if (!secret) return false;
  const match = /^Bearer (\S+)$/.exec(req.headers.get("authorization") ?? "");
  if (!match) return false;
  const given = crypto.createHash("sha256").update(match[1]!).digest();
  const expected = crypto.createHash("sha256").update(secret).digest();
  return crypto.timingSafeEqual(given, expected);
}

function json(body: unknown, status: number): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}

export function cronRoute({ name: job, work }: ScheduledJob): (req: Request) => Promise<Response> {
  return async (req) => {
    if (!cronAuthorized(req)) return errorResponse(new VigilError("unauthorized", "send Authorization: Bearer $CRON_SECRET"));
    try {
      const outcome = await runJob(job, work);
      if (outcome.status === "skipped") return json({ job, status: "skipped", reason: outcome.reason }, 200);
      if (outcome.status === "failed") {
        // The error itself is in job_runs and the server log, not in the response.
        return json({ error: { code: "internal", message: `the ${job} job failed; see job run ${outcome.runId}` }, job, run_id: outcome.runId }, 500);
      }
      // partial: the orgs in summary.failed_orgs were not done (why: job_runs and the log); the others were.
      return json({ job, status: outcome.status, run_id: outcome.runId, summary: outcome.summary }, 200);
    } catch (err) {
      console.error(`[vigil] cron ${job} could not run`, err);
      return errorResponse(new VigilError("unavailable", "the job could not start; retry shortly"));
    }
  };
}
