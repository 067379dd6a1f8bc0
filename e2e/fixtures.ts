import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Credentials of the demo org the e2e server seeded (scripts/e2e-server.ts). */
export function demoCredentials(): { apiKey: string; password: string } {
  const port = Number(process.env.E2E_PORT ?? 3100);
  return JSON.parse(fs.readFileSync(path.join(os.tmpdir(), `vigil-e2e-${port}.json`), "utf8"));
}
