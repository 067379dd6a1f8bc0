import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/openapi.json/route";
import { exportQuerySchema, searchQuerySchema } from "@/lib/events/search-params";
import { call } from "@/tests/helpers/fixtures";

/** The OpenAPI document integrators generate clients from: public, OpenAPI 3, and in step with the zod schemas. */

type Json = Record<string, any>;

async function document(): Promise<Json> {
  const res = await call(async () => GET(), { path: "/api/v1/openapi.json" });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  return res.json;
}

/** Every $ref in the document, with where it was found. */
function refs(value: unknown, at = "#"): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [[at, v] as [string, string]] : refs(v, `${at}/${k}`)));
  }
  return [];
}

function resolve(doc: Json, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref.slice(2).split("/").reduce<any>((node, part) => (node === undefined ? undefined : node[part.replace(/~1/g, "/").replace(/~0/g, "~")]), doc);
}

describe("GET /api/v1/openapi.json", () => {
  it("is a valid-looking OpenAPI 3 document, served without an API key", async () => {
    const doc = await document();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
    const methods = ["get", "post", "put", "patch", "delete"];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      expect(path).toMatch(/^\/api\//);
      for (const [method, op] of Object.entries(item as Json)) {
        expect(methods).toContain(method);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const param of op.parameters ?? []) {
          expect(param).toMatchObject({ name: expect.any(String), in: expect.stringMatching(/^(query|path|header)$/), schema: expect.any(Object) });
          if (param.in === "path") expect(path).toContain(`{${param.name}}`);
        }
      }
    }
    // JSON Schema 2020 keywords that OpenAPI 3.0 does not know must not leak in.
    expect(JSON.stringify(doc)).not.toMatch(/"\$schema"|"\$defs"|"definitions"|"prefixItems"/);
  });

  it("has no dangling $ref", async () => {
    const doc = await document();
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(5);
    for (const [at, ref] of all) {
      expect(ref, at).toMatch(/^#\/components\/(schemas|responses)\//);
      expect(resolve(doc, ref), `${at} -> ${ref}`).toBeDefined();
    }
  });

  it("documents every path of the integrator API", async () => {
    const doc = await document();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      "/api/v1/events", "/api/v1/events/{id}", "/api/v1/exports", "/api/v1/chain/verify", "/api/v1/chain/checkpoints",
    ]));
    expect(doc.paths["/api/v1/events"].post.requestBody.content["application/json"].schema.oneOf).toEqual([
      { $ref: "#/components/schemas/EventInput" }, { $ref: "#/components/schemas/EventBatch" },
    ]);
  });

  it("EventInput has the event body fields of DESIGN.md, with action required", async () => {
    const doc = await document();
    const input = doc.components.schemas.EventInput;
    expect(input.type).toBe("object");
    expect(Object.keys(input.properties)).toEqual(expect.arrayContaining([
      "action", "occurred_at", "category", "status", "actor", "targets", "context", "reason", "changes", "metadata", "idempotency_key",
    ]));
    expect(input.required).toEqual(["action"]);
    expect(input.additionalProperties).toBe(false);
    const p = input.properties;
    expect(p.occurred_at).toMatchObject({ type: "string", format: "date-time" });
    expect(p.category.enum).toEqual(["authentication", "data", "settings", "integration", "export"]);
    expect(p.status.enum).toEqual(["success", "failed", "pending"]);
    expect(p.actor.properties.type.enum).toEqual(["user", "api", "system"]);
    expect(Object.keys(p.actor.properties)).toEqual(expect.arrayContaining(["type", "id", "email", "name"]));
    expect(p.targets).toMatchObject({ type: "array", items: { type: "object", required: ["type", "id"] } });
    expect(Object.keys(p.targets.items.properties)).toEqual(expect.arrayContaining(["type", "id", "name"]));
    expect(Object.keys(p.context.properties)).toEqual(expect.arrayContaining(["ip", "user_agent", "location"]));
    expect(p.changes).toMatchObject({ type: "array", items: { type: "object", required: ["field"] } });
    expect(Object.keys(p.changes.items.properties)).toEqual(expect.arrayContaining(["field", "before", "after"]));
    expect(p.metadata.type).toBe("object");
    expect(doc.components.schemas.EventBatch.properties.events).toMatchObject({ type: "array", maxItems: 1000, minItems: 1 });
  });

  it("the search parameters are exactly the keys of searchQuerySchema, and the export's of exportQuerySchema", async () => {
    const doc = await document();
    const names = (op: Json) => op.parameters.map((p: Json) => p.name).sort();
    expect(names(doc.paths["/api/v1/events"].get)).toEqual(Object.keys(searchQuerySchema.shape).sort());
    expect(names(doc.paths["/api/v1/exports"].get)).toEqual(Object.keys(exportQuerySchema.shape).sort());
    const params = Object.fromEntries(doc.paths["/api/v1/events"].get.parameters.map((p: Json) => [p.name, p]));
    expect(params.limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 200, default: 50 });
    expect(params.period.schema.enum).toEqual(["24h", "7d", "30d"]);
    for (const p of Object.values(params) as Json[]) expect(p.required).toBe(false);
    expect(doc.paths["/api/v1/exports"].get.parameters.find((p: Json) => p.name === "format").schema.enum).toEqual(["ndjson", "csv", "zip"]);
  });
});
