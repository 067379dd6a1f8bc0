/**
 * Prepares a kept benchmark database for the scale runs (issue: proof under stress): starts
 * the embedded PostgreSQL in $BENCH_DATA_DIR (port $BENCH_DB_PORT, default 57900), makes the
 * orgs `heavy-tenant` and `other-tenant` when missing, and prints the DATABASE_URL that
 * `npx vigil seed` and the benchmarks then use. It keeps the database running until it is
 * stopped (Ctrl-C), so leave it in a terminal of its own; the benchmarks reuse it.
 *
 *   BENCH_DATA_DIR=/tmp/vigil-scale-10m npx tsx bench/scale-prepare.ts &
 *   DATABASE_URL=<printed> npx vigil seed --events 10000000 --org heavy-tenant
 *   DATABASE_URL=<printed> npx vigil seed --events 1000000 --org other-tenant
 *   BENCH_DATA_DIR=/tmp/vigil-scale-10m npx tsx bench/search.ts --events 10000000   (and export, report, ingest)
 */
import { closePool, pool } from "@/lib/db/pool";
import { createOrganization } from "@/lib/orgs/create-org";
import { benchDatabase, runBenchmark } from "./harness";

async function main(): Promise<void> {
  if (!process.env.BENCH_DATA_DIR) throw new Error("set BENCH_DATA_DIR to the folder the kept database lives in");
  const bench = await benchDatabase();
  for (const [slug, name] of [["heavy-tenant", "Heavy tenant"], ["other-tenant", "Other tenant"]] as const) {
    const { rows } = await pool().query("select 1 from organizations where slug = $1", [slug]);
    if (rows.length === 0) await createOrganization({ name, slug });
  }
  await closePool();
  console.log(`DATABASE_URL=${bench.url}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await bench.db.stop();
}

runBenchmark(main);
