import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/v1/events/route";
import { seedEvents } from "@/lib/seed/generate";
import { exportStream, maxConcurrentExports } from "@/lib/events/export";
import { emptyFilter } from "@/lib/events/filter";
import { parseQuery } from "@/lib/events/query-language";
import { getExportRun, startExportRun } from "@/lib/events/export-runs";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { addUser, orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * The search page's export progress: a run row that the stream advances and finishes, whose
 * total is the filter's row count, and that only its own person in its own org can read.
 */

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("export progress", () => {
  it("counts the filter's rows, advances with the stream and ends done with the count", async () => {
    const { org, apiKey } = await newOrg();
    const orgId = org.id;
    const key = apiKey.key;
    const user = await addUser(orgId, "manager");
    const events = Array.from({ length: 4500 }, (_, n) => ({ action: n % 3 ? "CONTACT_VIEWED" : "LOGIN_SUCCESS", actor: { type: "user", id: `u${n % 7}` } }));
    for (let i = 0; i < events.length; i += 1000) {
      const res = await call(POST, { key, body: { events: events.slice(i, i + 1000) } });
      expect(res.status).toBe(201);
    }
    const filter = parseQuery("action:CONTACT_VIEWED");
    const id = crypto.randomUUID();
    const progress = await startExportRun({ id, orgId, userId: user.id, format: "ndjson", filter: "action:CONTACT_VIEWED", reason: "test" }, filter);
    expect(progress).not.toBeNull();
    const counted = await until(() => getExportRun(orgId, user.id, id), (r) => r?.total !== null);
    expect(counted).toMatchObject({ id, status: "running", total: 3000 });

    const seen: number[] = [];
    let done: { records: number; completed: boolean } | undefined;
    const stream = await exportStream(orgId, filter, "ndjson", async (records, completed) => {
      done = { records, completed };
      await progress!.finish(records, completed);
    }, (records) => {
      seen.push(records);
      progress!.advance(records);
    });
    let lines = 0;
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) for (const b of chunk) if (b === 10) lines++;
    expect(lines).toBe(3000);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(3000);
    expect(done).toEqual({ records: 3000, completed: true });
    expect(await getExportRun(orgId, user.id, id)).toMatchObject({ records: 3000, total: 3000, status: "done" });
  });

  it("a run is visible to its own person only, and an id can't be reused", async () => {
    const { orgId, user } = await orgWithUser("manager");
    const colleague = await addUser(orgId, "manager");
    const other = await orgWithUser("manager");
    const id = crypto.randomUUID();
    const run = { id, orgId, userId: user.id, format: "csv", filter: "", reason: "test" };
    expect(await startExportRun(run, emptyFilter())).not.toBeNull();
    expect(await getExportRun(orgId, user.id, id)).not.toBeNull();
    expect(await getExportRun(orgId, colleague.id, id)).toBeNull();
    expect(await getExportRun(other.orgId, other.user.id, id)).toBeNull();
    expect(await startExportRun({ ...run, userId: colleague.id }, emptyFilter())).toBeNull();
    expect(await getExportRun(orgId, colleague.id, id)).toBeNull();
  });

  it("runs at most a quarter of the pool's connections as exports at once; the next is told to retry", async () => {
    // Enough events that an export isn't over after the first read a stream makes by itself.
    const { org } = await newOrg();
    await seedEvents(org.id, { count: 3000, seed: 3 });
    const max = maxConcurrentExports();
    const done: boolean[] = [];
    const open = await Promise.all(Array.from({ length: max }, () => exportStream(org.id, emptyFilter(), "ndjson", async (_n, completed) => {
      done.push(completed);
    })));
    await expect(exportStream(org.id, emptyFilter(), "ndjson", async () => {})).rejects.toMatchObject({ code: "unavailable", headers: { "Retry-After": "30" } });
    await open[0]!.cancel();
    expect(done).toEqual([false]);
    // A slot is free again; read this one to its end.
    const again = await exportStream(org.id, emptyFilter(), "csv", async (_n, completed) => {
      done.push(completed);
    });
    for await (const chunk of again as unknown as AsyncIterable<Uint8Array>) expect(chunk.byteLength).toBeGreaterThan(0);
    expect(done).toEqual([false, true]);
    for (const s of open.slice(1)) await s.cancel();
    // 2 s alone; one fresh-clone run on a machine loaded by a build and a demo seed took over 30 s.
  }, 90_000);
});
