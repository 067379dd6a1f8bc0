import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { POST, GET } from "@/app/api/v1/events/route";
import { GET as health } from "@/app/api/health/route";
import { closePool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { call } from "@/tests/helpers/fixtures";

/** With the database unreachable, clients are told to retry — never a 500, never a hang. */
describe("database outage", () => {
  beforeAll(async () => {
    await closePool();
    process.env.DATABASE_URL = "postgres://vigil:nope@127.0.0.1:1/vigil";
    resetEnvCache();
  });
  afterAll(async () => {
    await closePool();
    process.env.DATABASE_URL = inject("databaseUrl");
    resetEnvCache();
  });

  it("answers 503 with Retry-After on ingest, search and health", async () => {
    const key = "vgl_" + "a".repeat(43);
    const started = Date.now();
    const ingest = await call(POST, { key, body: { action: "LOGIN_SUCCESS" } });
    expect(ingest.status).toBe(503);
    expect(ingest.headers.get("retry-after")).toBe("5");
    expect(ingest.json.error).toEqual({ code: "unavailable", message: "the database is unavailable; retry shortly" });
    const search = await call(GET, { key, path: "/api/v1/events" });
    expect(search.status).toBe(503);
    const h = await health();
    expect(h.status).toBe(503);
    expect(h.headers.get("retry-after")).toBe("5");
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
