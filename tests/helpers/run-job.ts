/**
 * Runs one scheduled job, scoped to the given orgs, in a process of its own, so a fault test
 * can SIGKILL the process running it (tests/integration/faults-jobs.test.ts):
 *
 *   node --import tsx tests/helpers/run-job.ts retention|backup ORG_ID…
 *
 * Prints the job's outcome as one JSON line. DATABASE_URL and VIGIL_ARCHIVE_DIR come from
 * the environment, as for the app.
 */
import { closePool } from "@/lib/db/pool";
import { JOB_NAMES, type JobName } from "@/lib/jobs/runner";
import { runScheduledJob } from "@/server/jobs";

const [name, ...orgIds] = process.argv.slice(2);
if (!JOB_NAMES.includes(name as JobName) || orgIds.length === 0) {
  console.error(`usage: run-job.ts ${JOB_NAMES.join("|")} ORG_ID…`);
  process.exit(2);
}
const outcome = await runScheduledJob(name as JobName, { orgIds });
console.log(JSON.stringify(outcome));
await closePool();
process.exit(outcome.status === "succeeded" ? 0 : 1);
