import path from "node:path";
import { env, resetEnvCache } from "@/lib/env";
import { startEmbedded, localSecrets, type EmbeddedHandle } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { pool } from "@/lib/db/pool";
import { ensureUpcomingPartitions } from "@/lib/events/partitions";
import { ensureBuiltInRoles } from "@/lib/orgs/create-org";
import { signingKey } from "@/lib/integrity/checkpoints";

/**
 * Gets a database ready for the app, the CLI and the benchmarks: DATABASE_URL when set,
 * else the embedded PostgreSQL under VIGIL_DATA_DIR; then migrations, built-in roles, the
 * signing key and the partitions ahead.
 */

export interface ReadyDatabase {
  url: string;
  embedded?: EmbeddedHandle;
}

export async function connectDatabase(log: (line: string) => void = () => {}): Promise<ReadyDatabase> {
  const e = env();
  let embedded: EmbeddedHandle | undefined;
  let url = e.DATABASE_URL;
  if (!url) {
    const dataDir = path.resolve(e.VIGIL_DATA_DIR);
    embedded = await startEmbedded({ dataDir, port: e.VIGIL_DB_PORT, log });
    url = embedded.url;
    process.env.DATABASE_URL = url;
  }
  // Sessions and cron routes need their secrets whichever database is used: when they aren't
  // given, they are made once into the data folder (.data/secrets.json, mode 600), so sign-in
  // works on a first start with DATABASE_URL too and sessions survive a restart. Several
  // instances must be given the same AUTH_SECRET and CRON_SECRET (docs/scaling.md).
  if (!process.env.AUTH_SECRET || !process.env.CRON_SECRET) {
    const secrets = localSecrets(path.resolve(e.VIGIL_DATA_DIR));
    process.env.AUTH_SECRET ||= secrets.authSecret;
    process.env.CRON_SECRET ||= secrets.cronSecret;
  }
  resetEnvCache();
  return { url, embedded };
}

export async function prepareDatabase(url: string, log: (line: string) => void = () => {}): Promise<void> {
  const { applied } = await migrate(url);
  if (applied.length > 0) log(`Applied ${applied.length} migration(s): ${applied.join(", ")}`);
  await ensureBuiltInRoles();
  await signingKey();
  await ensureUpcomingPartitions(pool());
}
