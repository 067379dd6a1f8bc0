import { describe, expect, it } from "vitest";
import pg from "pg";
import { GET as cronAlerts } from "@/app/api/cron/alerts/route";
import { GET as cronVerify } from "@/app/api/cron/verify/route";
import { pool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { ingestEvents } from "@/lib/events/ingest";
import { listCheckpoints } from "@/lib/integrity/checkpoints";
import { lastFullVerification } from "@/lib/integrity/status";
import { runJob } from "@/lib/jobs/runner";
import { SCHEDULED_JOBS, runScheduledJob } from "@/server/jobs";
import { listAlerts } from "@/lib/alerts/store";
import { call, newOrg } from "@/tests/helpers/fixtures";

const SECRET = "test-cron-secret-0123456789";

function withCronSecret<T>(secret: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.CRON_SECRET;
  if (secret === undefined) delete process.env.CRON_SECRET;
  else process.env.CRON_SECRET = secret;
  resetEnvCache();
  return fn().finally(() => {
    if (before === undefined) delete process.env.CRON_SECRET;
    else process.env.CRON_SECRET = before;
    resetEnvCache();
  });
}

const login = (i: number) => ({ action: "LOGIN_SUCCESS", actor: { type: "user", email: `u${i}@company.com` }, context: { ip: "198.51.100.7" } });

describe("cron routes", () => {
  it("answer 401 without the bearer secret, with a wrong one, and when no secret is configured", async () => {
    await withCronSecret(SECRET, async () => {
      expect((await call(cronVerify, { path: "/api/cron/verify" })).status).toBe(401);
      expect((await call(cronVerify, { path: "/api/cron/verify", headers: { authorization: `Bearer ${SECRET}x` } })).status).toBe(401);
      expect((await call(cronVerify, { path: "/api/cron/verify", headers: { authorization: "Bearer short" } })).status).toBe(401);
      expect((await call(cronVerify, { path: "/api/cron/verify", headers: { authorization: SECRET } })).status).toBe(401);
    });
    await withCronSecret(undefined, async () => {
      const res = await call(cronVerify, { path: "/api/cron/verify", headers: { authorization: "Bearer " } });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
    });
  });

  it("run the job with the right secret, and skip it while another instance holds its lock", async () => {
    // Hold the global alerts lock the way a second app instance would, so this test does
    // not run the detectors over the other tests' organizations.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      const { rows } = await other.query("select pg_try_advisory_lock(72177100, hashtext('alerts')) as ok");
      expect(rows[0].ok).toBe(true);
      const res = await withCronSecret(SECRET, () => call(cronAlerts, { path: "/api/cron/alerts", headers: { authorization: `Bearer ${SECRET}` } }));
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ job: "alerts", status: "skipped" });
    } finally {
      await other.end();
    }
  });
});

describe("runJob", () => {
  it("runs one of two concurrent runs of a job and records it", async () => {
    const { org } = await newOrg();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const slow = async () => {
      runs++;
      await gate;
      return { done: true };
    };
    const first = runJob("verify", slow, { orgIds: [org.id] });
    await new Promise((r) => setTimeout(r, 100));
    const second = await runJob("verify", slow, { orgIds: [org.id] });
    expect(second.status).toBe("skipped");
    release();
    const outcome = await first;
    expect(outcome.status).toBe("succeeded");
    expect(runs).toBe(1);
    const { rows } = await pool().query("select status, summary, finished_at from job_runs where org_id = $1", [org.id]);
    expect(rows).toEqual([{ status: "succeeded", summary: { done: true }, finished_at: expect.any(Date) }]);
    // The lock is free again.
    expect((await runJob("verify", async () => ({}), { orgIds: [org.id] })).status).toBe("succeeded");
  });

  it("records a failed run with its error, and marks a run its process never finished as abandoned", async () => {
    const { org } = await newOrg();
    await pool().query("insert into job_runs (id, job, org_id, status) values (gen_random_uuid(), 'backup', $1, 'running')", [org.id]);
    const outcome = await runJob("backup", async () => {
      throw new Error("disk full");
    }, { orgIds: [org.id] });
    expect(outcome).toMatchObject({ status: "failed", error: "disk full" });
    const { rows } = await pool().query("select status, error from job_runs where org_id = $1 order by started_at", [org.id]);
    expect(rows.map((r) => r.status)).toEqual(["abandoned", "failed"]);
    expect(rows[1].error).toBe("disk full");
  });
});

describe("verify job", () => {
  it("verifies the whole chain first, then only what is new since the verified head, signs the new head, and signs nothing when nothing changed", async () => {
    const { org } = await newOrg();
    await ingestEvents(org.id, [login(1), login(2), login(3)]);
    const first = await runScheduledJob("verify", { orgIds: [org.id] });
    expect(first).toMatchObject({ status: "succeeded", summary: { orgs: 1, checked: 3, checkpoints: 1, failed: [] } });
    expect((await listCheckpoints(org.id))[0]).toMatchObject({ seq: 3 });
    await ingestEvents(org.id, [login(4), login(5)]);
    const second = await runScheduledJob("verify", { orgIds: [org.id] });
    // The whole chain was verified by the first run; after the verified head (seq 3): 4 and 5.
    expect(await lastFullVerification(org.id)).toMatchObject({ ok: true, checked: 3, head_seq: 3, first_bad_seq: null, problems: [] });
    expect(second).toMatchObject({ status: "succeeded", summary: { checked: 2, checkpoints: 1 } });
    const third = await runScheduledJob("verify", { orgIds: [org.id] });
    expect(third).toMatchObject({ status: "succeeded", summary: { checked: 0, checkpoints: 0 } });
    // A day later, the whole chain again.
    await pool().query("update chain_verifications set verified_at = verified_at - interval '25 hours' where org_id = $1", [org.id]);
    const daily = await runScheduledJob("verify", { orgIds: [org.id] });
    expect(daily).toMatchObject({ status: "succeeded", summary: { checked: 5, checkpoints: 0 } });
    expect(await lastFullVerification(org.id)).toMatchObject({ ok: true, checked: 5, head_seq: 5 });
    expect((await listCheckpoints(org.id)).map((c) => c.seq)).toEqual([5, 3]);
  });

  it("raises one critical alert when the chain was tampered with, and signs nothing", async () => {
    const { org } = await newOrg();
    await ingestEvents(org.id, [login(1), login(2), login(3)]);
    await runScheduledJob("verify", { orgIds: [org.id] });
    await ingestEvents(org.id, [login(4), login(5)]);
    // Tamper as a superuser would: bypass the append-only trigger for one transaction.
    const client = await pool().connect();
    try {
      await client.query("begin");
      await client.query("set local session_replication_role = replica");
      await client.query("update audit_events set actor_email = 'someone@else.com' where org_id = $1 and seq = 4", [org.id]);
      await client.query("commit");
    } finally {
      client.release();
    }
    const run = await runScheduledJob("verify", { orgIds: [org.id] });
    expect(run).toMatchObject({ status: "succeeded", summary: { checkpoints: 0, failed: [{ org_id: org.id, first_bad_seq: 4 }] } });
    await runScheduledJob("verify", { orgIds: [org.id] });
    const alerts = await listAlerts(org.id, { status: "open" });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: "chain_integrity", severity: "critical", status: "open" });
    expect((await listCheckpoints(org.id)).map((c) => c.seq)).toEqual([3]);
  });
});

describe("in-process scheduler", () => {
  it("schedules every job in UTC and starts only in the Node.js runtime of a running server", async () => {
    const { startScheduler, stopScheduler } = await import("@/lib/jobs/scheduler");
    const { register } = await import("@/instrumentation");
    const saved = { runtime: process.env.NEXT_RUNTIME, phase: process.env.NEXT_PHASE, scheduler: process.env.VIGIL_SCHEDULER };
    const g = globalThis as unknown as { vigilScheduler?: unknown[] };
    try {
      delete process.env.NEXT_RUNTIME;
      await register();
      expect(g.vigilScheduler).toBeUndefined();
      process.env.NEXT_RUNTIME = "nodejs";
      process.env.NEXT_PHASE = "phase-production-build";
      await register();
      expect(g.vigilScheduler).toBeUndefined();
      delete process.env.NEXT_PHASE;
      process.env.VIGIL_SCHEDULER = "off";
      resetEnvCache();
      await register();
      expect(g.vigilScheduler).toBeUndefined();

      const crons = startScheduler(Object.values(SCHEDULED_JOBS), () => {});
      try {
        expect(crons.map((c) => c.name)).toEqual(["vigil:alerts", "vigil:verify", "vigil:backup", "vigil:retention", "vigil:reports"]);
        const next = crons[0]!.nextRun()!;
        expect(next.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
        expect(crons[3]!.nextRun()!.toISOString()).toMatch(/T03:45:00/);
        expect(crons[4]!.nextRun()!.getUTCMinutes() % 5).toBe(0);
        // A second start (a hot reload) reuses the running scheduler.
        expect(startScheduler(Object.values(SCHEDULED_JOBS), () => {})).toBe(crons);
      } finally {
        stopScheduler();
      }
    } finally {
      for (const [k, v] of [["NEXT_RUNTIME", saved.runtime], ["NEXT_PHASE", saved.phase], ["VIGIL_SCHEDULER", saved.scheduler]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetEnvCache();
    }
  });
});
