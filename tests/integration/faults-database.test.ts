import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization } from "@/lib/orgs/create-org";
import {
  AppProcess, FaultDatabase, IngestClient, ensureAppBuilt, nextRequest, sleep, storedChain, useDatabase,
} from "@/tests/helpers/faults";

/**
 * PostgreSQL stopped (fast shutdown) and later crashed (immediate shutdown) under the real
 * app — the production build served by scripts/serve.mjs — while clients ingest. During
 * each outage every request is answered, quickly, with 503 and Retry-After; the app
 * reconnects by itself; clients that retry with their idempotency keys end with exactly
 * the events they sent.
 */

const ORGS = 3;
const CLIENTS_PER_ORG = 2;
/** Longer than the pool's 5 s connect timeout: a request that takes this long is a hang. */
const REQUEST_TIMEOUT_MS = 15_000;

let db: FaultDatabase;
let app: AppProcess;
let restore: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await ensureAppBuilt();
  db = await FaultDatabase.start();
  restore = await useDatabase(db.url);
  app = await AppProcess.start(db.url);
}, 900_000);

afterAll(async () => {
  await app?.kill();
  await restore?.();
  await db?.destroy();
});

describe("PostgreSQL stopped and restarted while clients ingest", () => {
  it("answers 503 with Retry-After during each outage, recovers by itself, and stores each event exactly once", async () => {
    const orgs = await Promise.all(Array.from({ length: ORGS }, (_, i) => createOrganization({ name: `Faults DB ${i} ${Date.now()}` })));
    const clients = orgs.flatMap((o, i) =>
      Array.from({ length: CLIENTS_PER_ORG }, (_, j) => ({
        orgId: o.org.id,
        client: new IngestClient(`o${i}c${j}`, o.apiKey.key, () => app.baseUrl, { requestTimeoutMs: REQUEST_TIMEOUT_MS, retryDelayMs: 200, giveUpAfterMs: 60_000 }),
      })),
    );

    let sending = true;
    const loops = clients.map(async ({ client }) => {
      for (let n = 0; sending; n++) await client.send(nextRequest(client.name, n, 25));
    });
    const acked = () => clients.reduce((sum, c) => sum + c.client.acknowledged.size, 0);
    const inFlight = () => clients.reduce((sum, c) => sum + c.client.inFlight, 0);
    const unavailable = () => clients.reduce((sum, c) => sum + c.client.attempts.filter((a) => a.status === 503).length, 0);
    const waitFor = async (what: string, ok: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(10);
      }
    };

    try {
      await waitFor("acknowledgements before the outage", () => acked() >= 200, 30_000);
      await waitFor("requests in flight", () => inFlight() >= 3, 10_000);

      // 1. A clean stop: sessions are terminated mid-transaction, new connections refused.
      await db.stop();
      const before = unavailable();
      await waitFor("503s during the stop", () => unavailable() >= before + 10, 20_000);
      const health = await fetch(`${app.baseUrl}/api/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      expect(health.status).toBe(503);
      expect(health.headers.get("retry-after")).toBe("5");
      await sleep(1000);

      await db.up();
      const restarted = Date.now();
      const afterRestart = acked();
      // The same app process, never restarted, serves again.
      await waitFor("acknowledgements after the restart", () => acked() >= afterRestart + 100, 30_000);
      const recoveredInMs = Date.now() - restarted;
      expect((await fetch(`${app.baseUrl}/api/health`)).status).toBe(200);

      // 2. A crash: no checkpoint, the next start replays the WAL.
      await waitFor("requests in flight", () => inFlight() >= 3, 10_000);
      await db.crash();
      const beforeCrash = unavailable();
      await waitFor("503s during the crash", () => unavailable() >= beforeCrash + 10, 20_000);
      await sleep(1000);
      await db.up();
      const afterCrash = acked();
      await waitFor("acknowledgements after the crash", () => acked() >= afterCrash + 100, 30_000);
      console.info(`[faults] recovered ${recoveredInMs} ms after PostgreSQL restarted`);
    } finally {
      sending = false;
      await Promise.all(loops);
    }

    const attempts = clients.flatMap((c) => c.client.attempts);
    const statuses = new Set(attempts.map((a) => a.status));
    // Only acknowledgements and "retry later": no 500, no dropped connection, no hang.
    expect([...statuses].filter((s) => s !== 200 && s !== 201 && s !== 503), JSON.stringify(clients.map((c) => c.client.statuses()))).toEqual([]);
    const unavailableAttempts = attempts.filter((a) => a.status === 503);
    expect(unavailableAttempts.length).toBeGreaterThanOrEqual(20);
    expect(unavailableAttempts.every((a) => a.retryAfter === "5" && a.errorCode === "unavailable")).toBe(true);
    expect(Math.max(...unavailableAttempts.map((a) => a.ms))).toBeLessThan(10_000);
    expect(app.unexpectedErrors()).toEqual([]);
    const total = (k: string) => clients.reduce((n, c) => n + (c.client.statuses()[k] ?? 0), 0);
    console.info(`[faults] ${attempts.length} requests: ${total("201") + total("200")} acknowledged, ${total("503")} answered 503 ` +
      `(slowest ${Math.max(...unavailableAttempts.map((a) => a.ms))} ms); ${clients.reduce((n, c) => n + c.client.duplicates, 0)} items acknowledged as duplicates on retry`);

    for (const org of orgs) {
      const mine = clients.filter((c) => c.orgId === org.org.id).map((c) => c.client);
      expect(mine.flatMap((c) => c.problems)).toEqual([]);
      const acknowledged = new Map(mine.flatMap((c) => [...c.acknowledged]));
      const sent = new Set(mine.flatMap((c) => [...c.sent]));
      // Every request was retried until acknowledged.
      expect(acknowledged.size).toBe(sent.size);
      const chain = await storedChain(org.org.id);
      expect(chain.keysStoredTwice).toEqual([]);
      expect(chain.count).toBe(acknowledged.size);
      // The id each client was given is the id stored for its key.
      expect(new Map([...chain.byKey].sort())).toEqual(new Map([...acknowledged].sort()));
      expect(chain.seqContiguous).toBe(true);
      expect(chain.problems).toEqual([]);
      expect(chain.verified).toBe(true);
    }
  }, 180_000);
});
