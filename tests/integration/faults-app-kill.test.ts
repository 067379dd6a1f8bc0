import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createOrganization } from "@/lib/orgs/create-org";
import { AppProcess, IngestClient, ensureAppBuilt, nextRequest, sleep, storedChain } from "@/tests/helpers/faults";

/**
 * The app process — the production build served by scripts/serve.mjs — SIGKILLed twice
 * while clients send batches. What was acknowledged is stored; what was cut off is retried
 * with the same idempotency keys against the restarted app and stored once; each org's
 * chain stays one line, seq 1..N, verifying.
 */

const ORGS = 3;
const CLIENTS_PER_ORG = 2;
const BATCH = 200;

let app: AppProcess;

beforeAll(async () => {
  await ensureAppBuilt();
  app = await AppProcess.start(inject("databaseUrl"));
}, 900_000);

afterAll(async () => {
  await app?.kill();
});

describe("the app SIGKILLed in the middle of batches", () => {
  it("keeps what it acknowledged, stores retried batches once, and leaves no fork or gap", async () => {
    const orgs = await Promise.all(Array.from({ length: ORGS }, (_, i) => createOrganization({ name: `Faults kill ${i} ${Date.now()}` })));
    const clients = orgs.flatMap((o, i) =>
      Array.from({ length: CLIENTS_PER_ORG }, (_, j) => ({
        orgId: o.org.id,
        client: new IngestClient(`o${i}c${j}`, o.apiKey.key, () => app.baseUrl, { requestTimeoutMs: 15_000, retryDelayMs: 200, giveUpAfterMs: 90_000 }),
      })),
    );
    let sending = true;
    const loops = clients.map(async ({ client }) => {
      for (let n = 0; sending; n++) await client.send(nextRequest(client.name, n, BATCH));
    });
    const acked = () => clients.reduce((sum, c) => sum + c.client.acknowledged.size, 0);
    const inFlight = () => clients.reduce((sum, c) => sum + c.client.inFlight, 0);
    const waitFor = async (what: string, ok: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(10);
      }
    };

    const cutOff: number[] = [];
    try {
      for (let kill = 0; kill < 2; kill++) {
        const start = acked();
        await waitFor("acknowledgements before the kill", () => acked() >= start + 1000, 60_000);
        // Kill while batches are on their way: some are being validated, some wait in the
        // group-commit queue, one may be committing.
        await waitFor("requests in flight", () => inFlight() >= 4, 10_000);
        cutOff.push(inFlight());
        await app.kill();

        // Everything acknowledged before the kill is in the database, under the id it was given.
        for (const org of orgs) {
          const chain = await storedChain(org.org.id);
          for (const { client } of clients.filter((c) => c.orgId === org.org.id)) {
            for (const [key, id] of client.acknowledged) expect(chain.byKey.get(key), key).toBe(id);
          }
          expect(chain.seqContiguous).toBe(true);
        }
        await app.up();
      }
      const last = acked();
      await waitFor("acknowledgements after the last restart", () => acked() >= last + 500, 60_000);
    } finally {
      sending = false;
      await Promise.all(loops);
    }

    const attempts = clients.flatMap((c) => c.client.attempts);
    const cut = attempts.filter((a) => a.status === "network").length;
    // Only acknowledgements, and connections cut by the kills: never a 5xx, never a hang.
    expect([...new Set(attempts.map((a) => a.status))].filter((s) => s !== 200 && s !== 201 && s !== "network")).toEqual([]);
    expect(cut).toBeGreaterThanOrEqual(cutOff.length);
    expect(app.unexpectedErrors()).toEqual([]);
    console.info(
      `[faults] ${attempts.length} requests, ${cutOff.join(" and ")} in flight at the two kills, ${cut} cut off and retried; ` +
        `${clients.reduce((n, c) => n + c.client.duplicates, 0)} items acknowledged as duplicates on retry`,
    );

    for (const org of orgs) {
      const mine = clients.filter((c) => c.orgId === org.org.id).map((c) => c.client);
      expect(mine.flatMap((c) => c.problems)).toEqual([]);
      const acknowledged = new Map(mine.flatMap((c) => [...c.acknowledged]));
      expect(acknowledged.size).toBe(new Set(mine.flatMap((c) => [...c.sent])).size);
      const chain = await storedChain(org.org.id);
      expect(chain.keysStoredTwice).toEqual([]);
      expect(chain.count).toBe(acknowledged.size);
      expect(new Map([...chain.byKey].sort())).toEqual(new Map([...acknowledged].sort()));
      expect(chain.seqContiguous).toBe(true);
      expect(chain.problems).toEqual([]);
      expect(chain.verified).toBe(true);
    }
  }, 180_000);
});
