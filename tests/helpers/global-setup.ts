import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbedded } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";

/**
 * One throwaway PostgreSQL for the whole run: real binaries, its own port and folder,
 * fsync off, deleted at the end. TEST_DATABASE_URL points the tests at another server.
 */
export default async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!url) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-test-"));
    const port = 56000 + Math.floor(Math.random() * 4000);
    const db = await startEmbedded({ dataDir: dir, port, persistent: false });
    url = db.url;
    stop = db.stop;
  }
  await migrate(url, path.resolve("prisma/migrations"));
  project.provide("databaseUrl", url);
  return async () => {
    await stop?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
