import { beforeAll, describe, expect, it } from "vitest";
import { GET as search } from "@/app/api/v1/events/route";
import { GET as exportEvents } from "@/app/api/v1/exports/route";
import { call, newOrg } from "@/tests/helpers/fixtures";

/**
 * Finding 3 of issue 10: a read key could stall the database for every tenant. A `q` of
 * 1,000 one-letter terms (under 2,000 characters) ran for 17 s; twelve of them filled the
 * pool, and ingest and /api/health failed with it.
 */

const ATTACK_Q = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(" ");

let key: string;

beforeAll(async () => {
  key = (await newOrg()).apiKey.key;
});

describe("query-language size limits", () => {
  it("answers the 1,000-term q with a 400 naming the term limit, on search and on export", async () => {
    expect(ATTACK_Q.length).toBeLessThan(2000);
    for (const [handler, path] of [[search, "/api/v1/events"], [exportEvents, "/api/v1/exports"]] as const) {
      const res = await call(handler, { key, path: `${path}?q=${encodeURIComponent(ATTACK_Q)}` });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.details).toEqual([{ path: "q", message: "has 1000 terms; at most 32 terms are allowed in one search" }]);
    }
  });

  it("refuses more than 4 wildcards in one search", async () => {
    const res = await call(search, { key, path: `/api/v1/events?q=${encodeURIComponent("action:A*B*C* action:D*E*")}` });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0]).toMatchObject({ path: "q", message: expect.stringMatching(/at most 4 wildcards/) });
  });

  it("counts list parameters and q together", async () => {
    const actors = Array.from({ length: 20 }, (_, i) => `a${i}`).join(",");
    const q = Array.from({ length: 20 }, (_, i) => `t${i}`).join(" ");
    const both = await call(search, { key, path: `/api/v1/events?actor=${actors}&q=${encodeURIComponent(q)}` });
    expect(both.status).toBe(400);
    expect(both.json.error.details).toEqual([{ path: "q", message: "has 40 terms; at most 32 terms are allowed in one search" }]);
    const lists = await call(search, { key, path: `/api/v1/events?actor=${actors}&action=${actors.toUpperCase()}` });
    expect(lists.status).toBe(400);
    expect(lists.json.error.details[0].message).toMatch(/at most 32 terms/);
    const fine = await call(search, { key, path: `/api/v1/events?actor=${actors}` });
    expect(fine.status).toBe(200);
  });
});
