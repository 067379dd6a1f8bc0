import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { HistoryRewritten, takeCheckpoint } from "@/lib/integrity/checkpoints";
import { lastWitnessedHead } from "@/lib/integrity/witness";
import { listAlerts } from "@/lib/alerts/store";
import { FolderStore, setArchiveStore, type ArchiveStore } from "@/lib/storage/archive-store";
import { runScheduledJob } from "@/server/jobs";
import { newOrg } from "@/tests/helpers/fixtures";
import { rewriteHistory } from "@/tests/helpers/rewrite";

/**
 * Heads kept outside the database (issue 12, item 4): someone with write access to the
 * database rewrites an old event, re-hashes the chain after it, rebuilds the tree and asks
 * for a new signature with the real key. Chain and tree are self-consistent again; only the
 * head written to the archive store before the rewrite shows it.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-witness-"));
beforeAll(() => setArchiveStore(new FolderStore(dir)));
afterAll(() => {
  setArchiveStore(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function orgWith(n: number): Promise<string> {
  const { org } = await newOrg();
  const r = await ingestEvents(org.id, Array.from({ length: n }, (_, i) => ({ action: "CONTACT_UPDATED", actor: { type: "user", email: `w${i}@example.com` }, metadata: { i } })));
  expect(r.filter((x) => x.status !== "created")).toEqual([]);
  return org.id;
}

describe("a signed head kept outside the database", () => {
  it("is written to the archive store with each checkpoint", async () => {
    const orgId = await orgWith(300);
    const cp = await takeCheckpoint(orgId);
    expect(await lastWitnessedHead(orgId)).toEqual({ size: 300, rootHash: cp.rootHash });
    expect(fs.readFileSync(path.join(dir, orgId, "checkpoint-latest.note"), "utf8")).toBe(cp.note);
    expect(fs.readdirSync(path.join(dir, orgId))).toContain(`checkpoint-000000000300-${cp.id}.note`);
  });

  it("catches a history rewritten and re-signed in the database: the verify job refuses to sign and raises a critical alert", async () => {
    const orgId = await orgWith(600);
    expect(await runScheduledJob("verify", { orgIds: [orgId] })).toMatchObject({ status: "succeeded", summary: { checkpoints: 1 } });
    expect(await lastWitnessedHead(orgId)).toMatchObject({ size: 600 });

    await rewriteHistory(orgId, 5);
    // The rewrite is self-consistent: a full pass over the chain finds nothing…
    // …but a new head contradicts the one kept outside, and is never signed.
    await expect(takeCheckpoint(orgId)).rejects.toThrow(HistoryRewritten);
    const job = await runScheduledJob("verify", { orgIds: [orgId] });
    expect(job).toMatchObject({ summary: { checkpoints: 0, failed: [{ org_id: orgId }] } });
    const alerts = await listAlerts(orgId);
    expect(alerts).toEqual([expect.objectContaining({ rule: "chain_integrity", severity: "critical", title: expect.stringMatching(/not consistent with the head of size 600 kept outside the database/) })]);
    expect((await pool().query("select count(*)::int as n from checkpoints where org_id = $1", [orgId])).rows[0].n).toBe(0);
  });

  it("without that head, the same rewrite would be signed: the head outside is what catches it", async () => {
    const orgId = await orgWith(300);
    await takeCheckpoint(orgId);
    fs.rmSync(path.join(dir, orgId, "checkpoint-latest.note"));
    await rewriteHistory(orgId, 7);
    await expect(takeCheckpoint(orgId)).resolves.toMatchObject({ seq: 300 });
  });

  it("a store that is down delays nothing: the head is signed, and written with the next one", async () => {
    const orgId = await orgWith(10);
    const down: ArchiveStore = {
      put: async () => { throw new Error("connection refused"); },
      fetch: async () => { throw new Error("connection refused"); },
      read: async () => { throw new Error("connection refused"); },
    };
    setArchiveStore(down);
    try {
      await expect(takeCheckpoint(orgId)).resolves.toMatchObject({ seq: 10 });
    } finally {
      setArchiveStore(new FolderStore(dir));
    }
    const next = await takeCheckpoint(orgId);
    expect(await lastWitnessedHead(orgId)).toEqual({ size: 10, rootHash: next.rootHash });
  });
});
