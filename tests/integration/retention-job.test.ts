import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getArchives } from "@/app/api/v1/archives/route";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { verifyOrgChain } from "@/lib/integrity/verify";
import { verifyFile } from "@/lib/integrity/verify-file";
import { runScheduledJob } from "@/server/jobs";
import { FolderStore, setArchiveStore } from "@/lib/storage/archive-store";
import { archiveThrough, listSegments } from "@/lib/retention/segments";
import { saveRetentionPolicy } from "@/lib/retention/policy";
import { placeLegalHold, releaseLegalHold } from "@/lib/retention/legal-holds";
import { dropExpiredPartitions, setRetentionHooks } from "@/lib/retention/retention";
import { restoreSegment } from "@/lib/retention/restore";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { person } from "../helpers/actors";

const DAY = 86_400_000;
const daysAgo = (d: number, minutes = 0) => new Date(Date.now() - d * DAY - minutes * 60_000).toISOString();
const admin = person("admin@company.com");

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-archives-"));
  setArchiveStore(new FolderStore(dir));
});
afterAll(() => {
  setArchiveStore(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function ingest(orgId: string, items: Record<string, unknown>[]): Promise<void> {
  for (const r of await ingestEvents(orgId, items)) expect(r.status, JSON.stringify(r.errors)).toBe("created");
}

async function stored(orgId: string): Promise<Array<{ seq: number; action: string; actor_email: string | null }>> {
  const { rows } = await pool().query("select seq, action, actor_email from audit_events where org_id = $1 order by seq", [orgId]);
  return rows;
}

const ev = (action: string, at: string, email = "ana@company.com", extra: Record<string, unknown> = {}) => ({
  action, occurred_at: at, actor: { type: "user", email }, ...(action === "LOGIN_FAILED" ? { status: "failed" } : {}), ...extra,
});

/** 400 and 100 days back, critical and not, one event under a legal hold, and today's. */
async function history(orgId: string): Promise<void> {
  await ingest(orgId, [
    ev("LOGIN_SUCCESS", daysAgo(400, 3)), // 1 delete
    ev("LOGIN_FAILED", daysAgo(400, 2)), // 2 critical, past 365: delete
    ev("LOGIN_SUCCESS", daysAgo(400, 1), "held@company.com"), // 3 held
    ev("LOGIN_SUCCESS", daysAgo(100, 3)), // 4 delete
    ev("DATA_EXPORTED", daysAgo(100, 2), "ana@company.com", { metadata: { records: 10 } }), // 5 critical, kept
    ev("CONTACT_DELETED", daysAgo(100, 1)), // 6 critical, kept
    ev("LOGIN_SUCCESS", daysAgo(1)), // 7 kept
  ]);
}

describe("retention policy", () => {
  it("refuses less than 90 hot days or 365 critical days with a clear message", async () => {
    const { org } = await newOrg();
    await expect(saveRetentionPolicy(org.id, { hot_days: 30, critical_days: 365, critical_include: [], critical_exclude: [] }, admin))
      .rejects.toThrow("Hot retention must be at least 90 days; 30 was refused.");
    await expect(saveRetentionPolicy(org.id, { hot_days: 90, critical_days: 200, critical_include: [], critical_exclude: [] }, admin))
      .rejects.toThrow(/Critical events must be kept at least 365 days/);
    await saveRetentionPolicy(org.id, { hot_days: 120, critical_days: 400, critical_include: ["CONTACT_*"], critical_exclude: [] }, admin);
    const { rows } = await pool().query("select action, changes from audit_events where org_id = $1", [org.id]);
    expect(rows[0].action).toBe("SETTINGS_CHANGED");
  });
});

describe("retention job", () => {
  it("archives, then deletes what is past retention except held and critical events; the chain still verifies", async () => {
    const { org, apiKey } = await newOrg();
    await history(org.id);
    const hold = await placeLegalHold(org.id, admin, { name: "Case 42", query: "actor:held@company.com" });
    const run = await runScheduledJob("retention", { orgIds: [org.id] });
    expect(run).toMatchObject({ status: "succeeded", summary: { archived_segments: 1, deleted: 3 } });

    const left = await stored(org.id);
    expect(left.filter((e) => e.seq <= 7).map((e) => e.seq)).toEqual([3, 5, 6, 7]);
    const [segment] = await listSegments(org.id);
    // Seq 1..4 (the last expired one), whole: held and critical events included.
    expect(segment).toMatchObject({ kind: "archive", from_seq: 1, to_seq: 4, count: 4 });
    const file = segment!.location.replace("file://", "");
    const offline = await verifyFile(file);
    expect(offline).toMatchObject({ ok: true, checked: 4, first_seq: 1, last_seq: 4 });
    const manifest = JSON.parse(fs.readFileSync(file.replace(".ndjson.gz", ".manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ org_id: org.id, from_seq: 1, to_seq: 4, count: 4, first_hash: segment!.first_hash, last_hash: segment!.last_hash, sha256: segment!.sha256 });

    const receipts = left.filter((e) => e.action.startsWith("RETENTION_")).map((e) => e.action);
    expect(receipts).toEqual(["RETENTION_ARCHIVED", "RETENTION_EVENTS_DELETED"]);
    const receipt = await pool().query("select metadata from audit_events where org_id = $1 and action = 'RETENTION_EVENTS_DELETED'", [org.id]);
    expect(receipt.rows[0].metadata).toMatchObject({ count: 3, min_seq: 1, max_seq: 4, archived_through_seq: 4, archived_through_hash: segment!.last_hash });

    const chain = await verifyOrgChain(org.id);
    expect(chain.problems).toEqual([]);
    expect(chain.ok).toBe(true);

    const api = await call(getArchives, { key: apiKey.key, path: "/api/v1/archives" });
    expect(api.status).toBe(200);
    expect(api.json.data).toEqual([{
      id: segment!.id, from_seq: 1, to_seq: 4, count: 4, first_hash: segment!.first_hash, last_hash: segment!.last_hash,
      sha256: segment!.sha256, location: `${org.id}/000000000001-000000000004.ndjson.gz`, created_at: segment!.created_at,
    }]);
    // Finding 11: the API and the receipt in the trail name the key inside the store, never the server's folder.
    expect(JSON.stringify(api.json)).not.toContain(dir);
    expect(JSON.stringify(api.json)).not.toContain("file://");
    const { rows: archived } = await pool().query<{ metadata: { location: string } }>(
      "select metadata from audit_events where org_id = $1 and action = 'RETENTION_ARCHIVED'", [org.id],
    );
    expect(archived.map((r) => r.metadata.location)).toEqual([`${org.id}/000000000001-000000000004.ndjson.gz`]);

    // A second run has nothing to do; releasing the hold lets the held event go, from the same archive.
    expect(await runScheduledJob("retention", { orgIds: [org.id] })).toMatchObject({ summary: { archived_segments: 0, deleted: 0 } });
    await releaseLegalHold(org.id, hold.id, admin);
    expect(await runScheduledJob("retention", { orgIds: [org.id] })).toMatchObject({ summary: { archived_segments: 0, deleted: 1 } });
    expect((await stored(org.id)).filter((e) => e.seq <= 7).map((e) => e.seq)).toEqual([5, 6, 7]);
    expect((await verifyOrgChain(org.id)).ok).toBe(true);
  });

  it("deletes nothing under a whole-organization hold", async () => {
    const { org } = await newOrg();
    await history(org.id);
    await placeLegalHold(org.id, admin, { name: "Litigation" });
    expect(await runScheduledJob("retention", { orgIds: [org.id] })).toMatchObject({ summary: { held: 1, deleted: 0, archived_segments: 0 } });
    expect((await stored(org.id)).filter((e) => e.seq <= 7)).toHaveLength(7);
  });

  it("loses nothing when killed after archiving and before deleting; the next run finishes", async () => {
    const { org } = await newOrg();
    await history(org.id);
    setRetentionHooks({ afterArchive: async () => { throw new Error("killed"); } });
    try {
      expect(await runScheduledJob("retention", { orgIds: [org.id] })).toMatchObject({ status: "failed", error: "killed" });
    } finally {
      setRetentionHooks({});
    }
    expect((await stored(org.id)).filter((e) => e.seq <= 7)).toHaveLength(7);
    expect(await listSegments(org.id)).toHaveLength(1);
    const run = await runScheduledJob("retention", { orgIds: [org.id] });
    expect(run).toMatchObject({ status: "succeeded", summary: { archived_segments: 0, deleted: 4 } });
    // Every event is in the database or in the archive, and the whole verifies.
    const [segment] = await listSegments(org.id);
    const inDb = (await stored(org.id)).map((e) => e.seq);
    const archived = Array.from({ length: segment!.count }, (_, i) => segment!.from_seq + i);
    const head = (await pool().query("select seq from chain_heads where org_id = $1", [org.id])).rows[0].seq;
    expect(new Set([...inDb, ...archived]).size).toBe(head);
    expect((await verifyOrgChain(org.id)).ok).toBe(true);
  });

  it("refuses to delete when the stored archive no longer verifies", async () => {
    const { org } = await newOrg();
    await history(org.id);
    await archiveThrough(org.id, 4, "archive");
    const [segment] = await listSegments(org.id);
    fs.appendFileSync(segment!.location.replace("file://", ""), "tampered");
    expect(await runScheduledJob("retention", { orgIds: [org.id] })).toMatchObject({ status: "failed", error: expect.stringMatching(/sha256/) });
    expect((await stored(org.id)).filter((e) => e.seq <= 7)).toHaveLength(7);
  });
});

describe("backup job and restore", () => {
  it("writes the new events since the last segment, and a segment restores into a scratch org and verifies", async () => {
    const { org } = await newOrg();
    await ingest(org.id, [ev("LOGIN_SUCCESS", daysAgo(0, 5)), ev("CONTACT_UPDATED", daysAgo(0, 4))]);
    const first = await runScheduledJob("backup", { orgIds: [org.id] });
    expect(first).toMatchObject({ status: "succeeded", summary: { segments: 1, events: 2 } });
    await ingest(org.id, [ev("LOGOUT", daysAgo(0, 1))]);
    const second = await runScheduledJob("backup", { orgIds: [org.id] });
    // The new event and the first backup's receipt.
    expect(second).toMatchObject({ summary: { segments: 1, events: 2 } });
    const segments = await listSegments(org.id);
    expect(segments.map((s) => [s.kind, s.from_seq, s.to_seq])).toEqual([["backup", 3, 4], ["backup", 1, 2]]);

    const restored = await restoreSegment(segments[1]!.location.replace("file://", ""));
    expect(restored).toMatchObject({ ok: true, events: 2, first_seq: 1, last_seq: 2 });
    const { rows } = await pool().query(`select count(*)::int as n from ${restored.table}`);
    expect(rows[0].n).toBe(2);
    await pool().query(`drop table ${restored.table}`);
  });
});

describe("partition drop", () => {
  it("detaches and drops a month whose every row is archived and expired, with a receipt", async () => {
    const { org } = await newOrg();
    await ingest(org.id, [ev("LOGIN_SUCCESS", "2003-03-10T10:00:00.000Z"), ev("CONTACT_VIEWED", "2003-03-11T10:00:00.000Z")]);
    await ingest(org.id, [ev("LOGIN_SUCCESS", daysAgo(0, 1))]);
    expect((await pool().query("select to_regclass('audit_events_2003_03') as t")).rows[0].t).not.toBeNull();
    // Not archived yet: the partition stays.
    expect((await dropExpiredPartitions()).map((d) => d.partition)).not.toContain("audit_events_2003_03");
    await archiveThrough(org.id, 2, "archive");
    const dropped = await dropExpiredPartitions();
    expect(dropped).toContainEqual({ partition: "audit_events_2003_03", rows: 2 });
    expect((await pool().query("select to_regclass('audit_events_2003_03') as t")).rows[0].t).toBeNull();
    expect((await stored(org.id)).map((e) => e.action)).toEqual(["LOGIN_SUCCESS", "RETENTION_EVENTS_DELETED"]);
    expect((await verifyOrgChain(org.id)).ok).toBe(true);
  });
});
