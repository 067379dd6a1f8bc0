import { describe, expect, it } from "vitest";
import { extractText, getDocumentProxy } from "unpdf";
import { GET as compliance } from "@/app/api/v1/reports/compliance/route";
import { POST } from "@/app/api/v1/events/route";
import { pool } from "@/lib/db/pool";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { knownOrg, otherOrgNoise } from "@/tests/integration/reports-fixtures";

describe("GET /api/v1/reports/compliance", () => {
  it("gives each framework's evidence from the org's own trail", async () => {
    const a = await knownOrg();
    await otherOrgNoise(a.now);
    const res = await call(compliance, { key: a.apiKey.key, path: "/api/v1/reports/compliance?period=30d" });
    expect(res.status).toBe(200);
    const r = res.json;
    expect(r.report).toBe("compliance");
    expect(r.trail.events).toBe(28);
    expect(r.trail.by_source).toEqual({ api: 28, console: 0, system: 0 });
    expect(r.trail.processing).toEqual({ viewed: 0, created: 0, updated: 3, deleted: 0, exported: 6, erasures: 0, actors: 1, deletion_requests: { count: 0, listed: [] } });
    expect(r.trail.chain.verification).toMatchObject({ ok: true, checked: a.events.length, first_bad_seq: null });
    expect(r.trail.chain.checkpoint.seq).toBeGreaterThanOrEqual(a.events.length);
    expect(r.trail.retention).toEqual({ hot_days: 90, critical_days: 365, legal_holds: 0, archive_segments: 0, archived_through_seq: 0 });
    expect(r.trail.access).toMatchObject({ members: 7, mfa_enabled: 0, api_keys_active: 1, api_keys_created: 1, api_keys_revoked: 0 });
    expect(r.frameworks.map((f: any) => f.key)).toEqual(["gdpr", "soc2", "iso27001", "lgpd"]);
    const control = (fw: string, ref: string) => r.frameworks.find((f: any) => f.key === fw).controls.find((c: any) => c.ref === ref);
    expect(control("gdpr", "Art. 30")).toMatchObject({ status: "met", figures: { updated: 3, actors: 1 } });
    // agent1 exported without the export permission.
    expect(control("gdpr", "Art. 32")).toMatchObject({ status: "attention", figures: { exports: 6, unauthorized: 1 } });
    expect(control("iso27001", "A.8.5")).toMatchObject({ status: "attention", figures: { members: 7, mfa_enabled: 0 } });
    expect(control("iso27001", "A.8.2 / A.8.32")).toMatchObject({ status: "attention", figures: { changes: 3, unreviewed: 3 } });
    expect(control("soc2", "CC7.2").status).toBe("met");
    const { rows } = await pool().query("select metadata from audit_events where org_id = $1 and action = 'REPORT_DOWNLOADED' and actor_type = 'api'", [a.org.id]);
    expect(rows.map((x) => [x.metadata.report, x.metadata.format])).toEqual([["compliance", "JSON"]]);
  });

  it("renders the evidence as a PDF", async () => {
    const a = await knownOrg();
    const req = new Request("http://localhost/api/v1/reports/compliance?format=pdf&period=7d", { headers: { authorization: `Bearer ${a.apiKey.key}` } });
    const res = await compliance(req, { params: Promise.resolve({}) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await res.arrayBuffer());
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
    const flat = text.replace(/\s+/g, " ");
    for (const s of ["Compliance evidence", "GDPR", "SOC 2", "ISO 27001", "LGPD", "Art. 30", "Last 7 days", "Verified", "Page 2 of"]) expect(flat).toContain(s);
    expect(flat).toContain("0 of 7 members use multi-factor authentication");
  });

  it("counts and lists the deletions the org recorded under GDPR and LGPD requests (it said 0 whatever the org recorded)", async () => {
    const { apiKey } = await newOrg(["events:write", "reports:read"]);
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const events = [
      { action: "CONTACT_DELETED", category: "data", occurred_at: at(30), actor: { type: "user", email: "dpo@company.com" }, targets: [{ type: "contact", id: "c-1", name: "Ana Souza" }], reason: "GDPR deletion request" },
      { action: "CONTACT_DELETED", category: "data", occurred_at: at(20), actor: { type: "user", email: "agent@company.com" }, targets: [{ type: "contact", id: "c-2", name: "Duplicate" }], reason: "Duplicate record" },
      { action: "CUSTOMER_DATA_PURGED", category: "data", occurred_at: at(10), actor: { type: "api", id: "privacy-bot" }, targets: [{ type: "customer", id: "cu-9" }], reason: "LGPD art. 18: pedido de eliminação" },
      { action: "CONTACT_VIEWED", category: "data", occurred_at: at(5), reason: "GDPR access request" },
    ];
    const ingested = await call(POST, { key: apiKey.key, path: "/api/v1/events", body: { events } });
    expect(ingested.status, ingested.text).toBeLessThan(300);
    const r = (await call(compliance, { key: apiKey.key, path: "/api/v1/reports/compliance?period=24h" })).json;
    expect(r.trail.processing.deletion_requests).toEqual({
      count: 2,
      listed: [
        expect.objectContaining({ action: "CONTACT_DELETED", by: "dpo@company.com", target: "contact Ana Souza", reason: "GDPR deletion request" }),
        expect.objectContaining({ action: "CUSTOMER_DATA_PURGED", by: "privacy-bot", target: "customer cu-9" }),
      ],
    });
    const art17 = r.frameworks.find((f: any) => f.key === "gdpr").controls.find((c: any) => c.ref === "Art. 17");
    expect(art17.figures).toMatchObject({ deletion_requests: 2 });
    expect(art17.evidence).toContain("2 deletions under GDPR or LGPD requests recorded by the org");
    expect(art17.evidence).toContain("contact Ana Souza by dpo@company.com");
    expect(art17.evidence).not.toContain("content_hash");
  });

  it("counts every deletion request but lists the first 20, oldest first", async () => {
    const { apiKey } = await newOrg(["events:write", "reports:read"]);
    const events = Array.from({ length: 23 }, (_, i) => ({
      action: "CONTACT_DELETED", category: "data", occurred_at: new Date(Date.now() - (60 - i) * 60_000).toISOString(),
      targets: [{ type: "contact", id: `c-${i}` }], reason: "GDPR Art. 17 erasure",
    }));
    expect((await call(POST, { key: apiKey.key, path: "/api/v1/events", body: { events } })).status).toBeLessThan(300);
    const d = (await call(compliance, { key: apiKey.key, path: "/api/v1/reports/compliance?period=24h" })).json.trail.processing.deletion_requests;
    expect(d.count).toBe(23);
    expect(d.listed.map((x: any) => x.target)).toEqual(Array.from({ length: 20 }, (_, i) => `contact c-${i}`));
  });

  it("requires the reports:read scope", async () => {
    const readOnly = await newOrg(["events:read", "events:write"]);
    expect((await call(compliance, { key: readOnly.apiKey.key, path: "/api/v1/reports/compliance" })).status).toBe(403);
  });
});
