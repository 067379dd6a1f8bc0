import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { verifyOrgChain } from "@/lib/integrity/verify";
import { listSegments, verifyStoredSegment, type Segment } from "@/lib/retention/segments";
import { runScheduledJob } from "@/server/jobs";
import { newOrg } from "@/tests/helpers/fixtures";
import { sleep } from "@/tests/helpers/faults";

/**
 * The retention and backup jobs run in a process of their own (tests/helpers/run-job.ts),
 * SIGKILLed at chosen points. The test picks the point with a database lock the job must
 * wait for — the chain head (its receipts), an event row (its deletions), the org row (the
 * record of a segment) — waits until the job is blocked there, and kills it. Afterwards
 * every event is still in the database or in an archive segment that verifies, and the
 * next run finishes the work.
 */

const DAY = 86_400_000;
const segmentFile = (from: number, to: number) => `${String(from).padStart(12, "0")}-${String(to).padStart(12, "0")}.ndjson.gz`;
let archiveDir: string;

beforeAll(() => {
  archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-faults-archives-"));
});
afterAll(() => {
  fs.rmSync(archiveDir, { recursive: true, force: true });
});

interface JobProcess {
  /** The PostgreSQL application_name of the job's connections. */
  appName: string;
  kill(): Promise<void>;
  /** Resolves with the job's outcome when the process ends by itself. */
  finished: Promise<{ code: number | null; outcome: { status: string; summary?: Record<string, unknown>; error?: string } | undefined; output: string }>;
}

function startJob(job: "retention" | "backup", orgIds: string[]): JobProcess {
  const appName = `vigil-faults-${job}-${crypto.randomBytes(4).toString("hex")}`;
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/run-job.ts", job, ...orgIds], {
    env: { ...process.env, DATABASE_URL: inject("databaseUrl"), VIGIL_ARCHIVE_DIR: archiveDir, PGAPPNAME: appName },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const finished = new Promise<{ code: number | null; outcome: any; output: string }>((resolve) => {
    child.on("exit", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("{"));
      resolve({ code, outcome: line ? JSON.parse(line) : undefined, output });
    });
  });
  return {
    appName,
    finished,
    kill: async () => {
      child.kill("SIGKILL");
      await finished;
    },
  };
}

/**
 * Waits until one of the job's connections waits for the lock the test holds (`held`), and
 * answers the statement that waits. Other, passing lock waits don't count: a test file
 * running beside this one may create a partition, and its DDL holds up any statement on
 * audit_events for a moment. 120 s: under a full parallel suite on two cores one run needed
 * more than 90 s to reach the point it is killed at (it takes about 6 s alone).
 */
async function blockedAt(job: JobProcess, held: HeldLock, timeoutMs = 120_000): Promise<string> {
  let ended = false;
  void job.finished.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ended) throw new Error(`the job ended before reaching the kill point:\n${(await job.finished).output}`);
    const { rows } = await pool().query<{ query: string }>(
      "select query from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock' and $2 = any(pg_blocking_pids(pid))",
      [job.appName, held.pid],
    );
    if (rows[0]) return rows[0].query;
    await sleep(25);
  }
  throw new Error("the job never waited for the lock the test holds");
}

/**
 * Waits until the killed job's sessions are gone. A statement it sent before it died runs to
 * its end once the lock it waited for is released (a lone statement commits; a transaction's
 * statement is then rolled back, the client being gone): only then is the state final.
 */
async function sessionsGone(job: JobProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await pool().query("select 1 from pg_stat_activity where application_name = $1", [job.appName]);
    if (rows.length === 0) return;
    await sleep(25);
  }
  throw new Error("the killed job's database sessions did not end");
}

/** A transaction on a connection of its own, holding a lock until released. */
interface HeldLock {
  /** The holding session's backend pid: what a job waiting on this lock is blocked by. */
  pid: number;
  release: () => Promise<void>;
}

async function holdLock(sql: string, params: unknown[]): Promise<HeldLock> {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  await client.query("begin");
  const { rowCount } = await client.query(sql, params);
  expect(rowCount).toBe(1);
  const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
  return {
    pid: rows[0]!.pid,
    release: async () => {
      await client.query("rollback");
      await client.end();
    },
  };
}

async function ingestAll(orgId: string, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) {
    for (const r of await ingestEvents(orgId, items.slice(i, i + 1000))) expect(r.status, JSON.stringify(r.errors)).toBe("created");
  }
}

async function storedSeqs(orgId: string): Promise<number[]> {
  const { rows } = await pool().query<{ seq: number }>("select seq from audit_events where org_id = $1 order by seq", [orgId]);
  return rows.map((r) => Number(r.seq));
}

async function headSeq(orgId: string): Promise<number> {
  const { rows } = await pool().query<{ seq: number }>("select seq from chain_heads where org_id = $1", [orgId]);
  return Number(rows[0]!.seq);
}

async function receipts(orgId: string, action: string): Promise<Array<Record<string, any>>> {
  const { rows } = await pool().query<{ metadata: Record<string, any> }>(
    "select metadata from audit_events where org_id = $1 and action = $2 order by seq",
    [orgId, action],
  );
  return rows.map((r) => r.metadata);
}

/**
 * Nothing lost: every seq of the chain is in the database or in a recorded segment, the
 * segments form one series from seq 1, each segment's stored file verifies, and the chain
 * (archived ranges included) verifies.
 */
async function expectNothingLost(orgId: string): Promise<Segment[]> {
  const segments = (await listSegments(orgId)).reverse();
  let next = 1;
  for (const s of segments) {
    expect(s.from_seq).toBe(next);
    next = s.to_seq + 1;
    await verifyStoredSegment(s);
  }
  const inDb = new Set(await storedSeqs(orgId));
  const head = await headSeq(orgId);
  const lost = Array.from({ length: head }, (_, i) => i + 1).filter((seq) => !inDb.has(seq) && seq >= next);
  expect(lost).toEqual([]);
  const chain = await verifyOrgChain(orgId);
  expect(chain.problems).toEqual([]);
  expect(chain.ok).toBe(true);
  return segments;
}

describe("a retention job killed midway", () => {
  it("loses nothing when killed while recording its archive and while deleting; the next run finishes", async () => {
    const { org } = await newOrg();
    const EXPIRED = 10_500;
    const start = Date.now() - 400 * DAY;
    await ingestAll(org.id, Array.from({ length: EXPIRED }, (_, i) => ({
      action: "RECORD_VIEWED",
      occurred_at: new Date(start + i * 1000).toISOString(),
      actor: { type: "user", email: `user${i % 50}@company.com` },
      metadata: { i },
    })));
    await ingestAll(org.id, Array.from({ length: 10 }, (_, i) => ({ action: "RECORD_VIEWED", metadata: { recent: i } })));

    // 1. Killed once the archive segment is in the store, while it waits to write its receipt.
    const head = await holdLock("select 1 from chain_heads where org_id = $1 for update", [org.id]);
    const first = startJob("retention", [org.id]);
    try {
      expect(await blockedAt(first, head)).toMatch(/from chain_heads/);
      await first.kill();
    } finally {
      await head.release();
    }
    await sessionsGone(first);
    // The segment file reached the store; its record and receipt, one transaction, did not.
    expect(fs.existsSync(path.join(archiveDir, org.id, segmentFile(1, EXPIRED)))).toBe(true);
    expect(await listSegments(org.id)).toEqual([]);
    expect(await storedSeqs(org.id)).toHaveLength(EXPIRED + 10);
    await expectNothingLost(org.id);

    // 2. Killed between delete batches: the last expired event is locked, so the batch that
    //    holds it waits while the batches before it have committed with their receipts.
    const row = await holdLock("select 1 from audit_events where org_id = $1 and seq = $2 for update", [org.id, EXPIRED]);
    const second = startJob("retention", [org.id]);
    try {
      expect(await blockedAt(second, row)).toMatch(/delete from audit_events/);
      await second.kill();
    } finally {
      await row.release();
    }
    await sessionsGone(second);
    const partial = await receipts(org.id, "RETENTION_EVENTS_DELETED");
    const deletedSoFar = partial.reduce((n, r) => n + r.count, 0);
    expect(deletedSoFar).toBeGreaterThan(0);
    expect(deletedSoFar).toBeLessThan(EXPIRED);
    expect((await storedSeqs(org.id)).filter((s) => s <= EXPIRED)).toHaveLength(EXPIRED - deletedSoFar);
    await expectNothingLost(org.id);

    // 3. The next run, not killed, finishes.
    const third = await startJob("retention", [org.id]).finished;
    expect(third.outcome, third.output).toMatchObject({ status: "succeeded", summary: { deleted: EXPIRED - deletedSoFar } });
    const segments = await expectNothingLost(org.id);
    expect((await storedSeqs(org.id)).filter((s) => s <= EXPIRED)).toEqual([]);
    expect(segments.at(-1)!.to_seq).toBeGreaterThanOrEqual(EXPIRED);

    // Every deletion has its receipt, none counted twice; every segment has its receipt.
    const deleted = await receipts(org.id, "RETENTION_EVENTS_DELETED");
    expect(deleted.reduce((n, r) => n + r.count, 0)).toBe(EXPIRED);
    const archived = await receipts(org.id, "RETENTION_ARCHIVED");
    expect(archived.map((r) => r.segment_id).sort()).toEqual(segments.map((s) => s.id).sort());
    const runs = await pool().query<{ status: string }>("select status from job_runs where job = 'retention' and org_id = $1 order by started_at", [org.id]);
    expect(runs.rows.map((r) => r.status)).toEqual(["abandoned", "abandoned", "succeeded"]);
  }, 240_000);
});

describe("a backup job killed midway", () => {
  it("loses nothing when killed between a segment stored and its record; the next run finishes", async () => {
    const orgs = await Promise.all([newOrg(), newOrg(), newOrg()]);
    const ids = orgs.map((o) => o.org.id);
    for (const id of ids) {
      await ingestAll(id, Array.from({ length: 1500 }, (_, i) => ({ action: "RECORD_UPDATED", actor: { type: "user", email: "ana@company.com" }, metadata: { i } })));
    }

    // Verified and signed first, as the hourly job has done by the time of a backup: the
    // backup's own proof then writes nothing before its segment.
    expect(await runScheduledJob("verify", { orgIds: ids })).toMatchObject({ status: "succeeded" });
    // The second org's segment reaches the store, then waits for its org row to record it.
    const orgRow = await holdLock("select 1 from organizations where id = $1 for update", [ids[1]]);
    const first = startJob("backup", ids);
    try {
      expect(await blockedAt(first, orgRow)).toMatch(/insert into archive_segments/);
      await first.kill();
    } finally {
      await orgRow.release();
    }
    await sessionsGone(first);
    expect(await listSegments(ids[0]!)).toHaveLength(1);
    // The second org's segment is in the store but not recorded; the third org's not begun.
    expect(fs.existsSync(path.join(archiveDir, ids[1]!, segmentFile(1, 1500)))).toBe(true);
    expect(await listSegments(ids[1]!)).toEqual([]);
    expect(await listSegments(ids[2]!)).toEqual([]);
    for (const id of ids) await expectNothingLost(id);

    const second = await startJob("backup", ids).finished;
    expect(second.outcome, second.output).toMatchObject({ status: "succeeded" });
    for (const id of ids) {
      const segments = await expectNothingLost(id);
      // Backups delete nothing; the series covers the chain up to the run.
      expect(await storedSeqs(id)).toHaveLength(await headSeq(id));
      expect(segments.at(-1)!.to_seq).toBeGreaterThanOrEqual(1500);
      const written = await receipts(id, "BACKUP_WRITTEN");
      expect(written.map((r) => r.segment_id).sort()).toEqual(segments.map((s) => s.id).sort());
    }
  }, 240_000);
});
