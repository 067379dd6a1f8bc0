import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GET as exportRoute } from "@/app/api/v1/exports/route";
import { POST } from "@/app/api/v1/events/route";
import { GET as getOne } from "@/app/api/v1/events/[id]/route";
import { pool } from "@/lib/db/pool";
import { inlineParams } from "@/lib/events/export-copy";
import type { EventFilter } from "@/lib/events/filter";
import { filterToSql } from "@/lib/events/filter-sql";
import { parseQuery } from "@/lib/events/query-language";
import { ChainVerifier } from "@/lib/integrity/chain";
import { call, exportLines, newOrg } from "@/tests/helpers/fixtures";

/**
 * The export's COPY path: NDJSON lines built byte by byte from PostgreSQL's COPY text must be
 * exactly the API's events for any text an integrator can send, and filter parameters written
 * into the COPY statement as literals must mean exactly what they mean as bind parameters.
 */

// Text with everything COPY escapes (backslash, tab, newline, CR, \b \f \v), other control
// characters, quotes, and multi-byte UTF-8 — the NUL character is refused at ingest.
const awkward = fc.string({ unit: fc.oneof(
  fc.constantFrom("\\", "\t", "\n", "\r", "\b", "\f", "\v", "\u0001", "\u001f", "\u007f", "\"", "'", "\\N", "\u2028", "é", "☃", "😀", ","),
  fc.string({ unit: "grapheme", maxLength: 1 }),
), maxLength: 24 }).filter((s) => !s.includes("\u0000"));

describe("NDJSON from COPY text", () => {
  it("equals the API's event for generated awkward text in every text field, and re-verifies", async () => {
    const { apiKey } = await newOrg();
    const ids: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ name: awkward, reason: awkward, ua: awkward, meta: awkward, target: awkward, key: awkward }), { minLength: 1, maxLength: 8 }), async (rows) => {
        const events = rows.map((r, i) => ({
          action: "CONTACT_UPDATED",
          actor: { type: "user", id: `u-${i}`, name: r.name || "x" },
          targets: [{ type: "contact", id: String(i), name: r.target }],
          context: { ip: "203.0.113.7", user_agent: r.ua || undefined, location: r.meta || undefined },
          reason: r.reason || undefined,
          changes: [{ field: "note", before: r.meta, after: r.name }],
          metadata: { [r.key || "k"]: r.meta, nested: { s: r.target, list: [r.reason, null, 1.5] } },
        }));
        const res = await call(POST, { key: apiKey.key, body: { events } });
        expect(res.status).toBe(201);
        ids.push(...res.json.data.map((d: { id: string }) => d.id));
      }),
      { numRuns: 40 },
    );
    const exported = await call(exportRoute, { key: apiKey.key, path: "/api/v1/exports?format=ndjson" });
    expect(exported.status).toBe(200);
    const lines = exportLines(exported.text).events;
    expect(lines.map((l) => l.id).sort()).toEqual([...ids].sort());
    const verifier = new ChainVerifier();
    for (const line of lines) verifier.add(line);
    expect(verifier.ok).toBe(true);
    // Each line equals the API's event, field by field.
    for (const line of lines) {
      const one = await call(getOne, { key: apiKey.key, path: `/api/v1/events/${line.id}`, params: { id: line.id } });
      expect(one.status).toBe(200);
      const { chain, ...event } = one.json.data;
      expect(chain.seq).toBe(line.seq);
      expect(line).toEqual(event);
    }
  });
});

describe("filter parameters inlined into COPY", () => {
  it("select the same rows as bind parameters, for hostile values too", async () => {
    const { org, apiKey } = await newOrg();
    const hostile = ["o'brien@x.com", "a\\'; drop table audit_events; --@x.com", "back\\slash@x.com", "quote\"d@x.com", "unicode-é☃@x.com"];
    const res = await call(POST, { key: apiKey.key, body: { events: hostile.map((email) => ({ action: "LOGIN_SUCCESS", actor: { type: "user", email }, context: { ip: "203.0.113.9" } })) } });
    expect(res.status).toBe(201);
    for (const email of hostile) {
      const byActor = parseQuery(`actor:"${email.replace(/"/g, '\\"')}"`);
      // Arrays too: two categories and two statuses, as the search form sends them.
      const byText: EventFilter = { ...parseQuery(`text:"${email.slice(0, 6).replace(/"/g, '\\"')}" -action:LOGIN_FAILED`), category: ["authentication", "data"], status: ["success", "pending"] };
      // The other kinds of parameter: an address and a CIDR range, a date range, an action prefix.
      const byRest: EventFilter = {
        ...parseQuery(`ip:203.0.113.0/24 action:LOGIN_* created:>=2020-01-01`),
        to: new Date(Date.now() + 60_000),
        not: { ...parseQuery("").not, ip: ["198.51.100.7"] },
      };
      for (const filter of [byActor, byText, byRest]) {
        const where = filterToSql(org.id, filter);
        expect(where.params.length).toBeGreaterThan(1);
        const bound = await pool().query(`select id from audit_events where ${where.sql} order by seq`, where.params);
        const client = await pool().connect();
        try {
          const inlined = await client.query(`select id from audit_events where ${inlineParams(where.sql, where.params, (v) => client.escapeLiteral(v))} order by seq`);
          expect(inlined.rows).toEqual(bound.rows);
          expect(bound.rows.length).toBeGreaterThan(0);
        } finally {
          client.release();
        }
      }
    }
    const count = await pool().query("select count(*)::int as n from audit_events where org_id = $1", [org.id]);
    expect(count.rows[0].n).toBe(hostile.length);
  });

  it("refuses parameters it can't write as a literal", () => {
    expect(() => inlineParams("a = $1", [42], (v) => `'${v}'`)).toThrow(/cannot inline/);
    expect(() => inlineParams("a = $2", ["x"], (v) => `'${v}'`)).toThrow(/no parameter/);
    expect(inlineParams("a = any($1::text[]) and b = $2", [["x", "y\"z"], "q"], (v) => `'${v}'`)).toBe(`a = any('{"x","y\\"z"}'::text[]) and b = 'q'`);
  });
});
