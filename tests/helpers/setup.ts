import { afterAll, inject } from "vitest";
import { closePool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.VIGIL_API_RATE ??= "100000";
process.env.VIGIL_API_BURST ??= "100000";
// The test receivers listen on 127.0.0.1: name it, as an operator would an internal target.
process.env.VIGIL_OUTBOUND_ALLOW ??= "127.0.0.1";
resetEnvCache();

afterAll(async () => {
  await closePool();
});
