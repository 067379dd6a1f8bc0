import { z } from "zod";
import { batchInputSchema, eventInputSchema, ingestResultSchema } from "@/lib/events/schema";
import { exportQuerySchema, searchQuerySchema } from "@/lib/events/search-params";
import { API_SCOPES } from "@/lib/auth/scopes";
import { alertsQuerySchema } from "@/lib/alerts/api-schemas";
import { reportQuerySchema } from "@/lib/reports/period";
import { consistencyQuerySchema } from "@/lib/integrity/proofs";

/**
 * The OpenAPI document, generated from the same zod schemas that validate requests, so
 * the document can't drift from what the API accepts.
 */

type JsonSchema = Record<string, unknown>;

/** JSON Schema references of OpenAPI point into components.schemas, not into a local `definitions`. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [
      k,
      k === "$ref" && typeof v === "string" ? v.replace(/^#\/(definitions|\$defs)\//, "#/components/schemas/") : toComponentRefs(v),
    ]));
  }
  return value;
}

/**
 * zod writes a schema that has a meta id as `{ $ref: "#/definitions/Id", definitions: {…} }`:
 * a reference that resolves nowhere once placed in components.schemas. Unwrap the root and
 * move any other named schema into components.schemas.
 */
function schemaOf(schema: z.ZodType, hoisted: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  const defs = { ...((json.definitions ?? {}) as Record<string, JsonSchema>), ...((json.$defs ?? {}) as Record<string, JsonSchema>) };
  delete json.definitions;
  delete json.$defs;
  let root = json;
  const rootRef = typeof json.$ref === "string" ? /^#\/(?:definitions|\$defs)\/(.+)$/.exec(json.$ref) : null;
  if (rootRef && Object.keys(json).length === 1 && defs[rootRef[1]!]) {
    root = defs[rootRef[1]!]!;
    delete defs[rootRef[1]!];
  }
  for (const [id, def] of Object.entries(defs)) hoisted[id] = toComponentRefs(def) as JsonSchema;
  return toComponentRefs(root) as JsonSchema;
}

function queryParameters(schema: z.ZodObject, hoisted: Record<string, JsonSchema>): unknown[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = schemaOf(field as z.ZodType, hoisted);
    const description = (json.description as string | undefined) ?? undefined;
    delete json.description;
    return { name, in: "query", required: false, description, schema: json };
  });
}

const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string", enum: ["invalid_request", "unauthorized", "forbidden", "not_found", "payload_too_large", "unsupported_media_type", "query_too_expensive", "rate_limited", "unavailable", "internal"] },
        message: { type: "string" },
        details: {},
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
};

const eventSchema = {
  type: "object",
  description: "An event as stored: content_hash = sha256(JCS(event minus content_hash, prev_hash, hash, received_at)); hash = sha256(prev_hash || content_hash).",
  properties: {
    id: { type: "string", format: "uuid" }, org_id: { type: "string", format: "uuid" }, seq: { type: "integer" },
    occurred_at: { type: "string", format: "date-time" }, received_at: { type: "string", format: "date-time" },
    action: { type: "string" }, category: { type: "string" }, status: { type: "string" }, severity: { type: "string" },
    actor: { type: "object", nullable: true }, targets: { type: "array", items: { type: "object" } },
    context: { type: "object" }, reason: { type: "string", nullable: true }, changes: { type: "array", items: { type: "object" } },
    metadata: { type: "object" }, source: { type: "string" }, idempotency_key: { type: "string", nullable: true },
    content_hash: { type: "string" }, prev_hash: { type: "string" }, hash: { type: "string" },
  },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

export function openApiDocument(): Record<string, unknown> {
  // Named schemas met while converting (other than the converted one) go to components.schemas.
  const hoisted: Record<string, JsonSchema> = {};
  const paths = {
    "/api/v1/events": {
      post: {
        summary: "Ingest one event or a batch of up to 1000",
        description: "Scope events:write. Each item is answered alone: created, duplicate (same idempotency_key, answered with the first event's id) or rejected with its errors.",
        requestBody: {
          required: true,
          content: { "application/json": { schema: { oneOf: [{ $ref: "#/components/schemas/EventInput" }, { $ref: "#/components/schemas/EventBatch" }] } } },
        },
        responses: {
          "201": { description: "At least one event created", content: { "application/json": { schema: { type: "object", properties: { data: { type: "array", items: { $ref: "#/components/schemas/IngestResult" } }, summary: { type: "object" } } } } } },
          "200": { description: "Only duplicates (and rejections)" },
          ...errors(400, 401, 403, 413, 429, 503),
        },
      },
      get: {
        summary: "Search events, newest first",
        description: "Scope events:read. Keyset pagination: pass next_cursor as cursor.",
        parameters: queryParameters(searchQuerySchema, hoisted),
        responses: {
          "200": { description: "A page", content: { "application/json": { schema: { type: "object", properties: { data: { type: "array", items: { $ref: "#/components/schemas/Event" } }, next_cursor: { type: "string", nullable: true } } } } } },
          ...errors(400, 401, 403, 422, 429, 503),
        },
      },
    },
    "/api/v1/events/{id}": {
      get: {
        summary: "One event with its chain position",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
        responses: { "200": { description: "The event" }, ...errors(401, 403, 404, 503) },
      },
    },
    "/api/v1/exports": {
      get: {
        summary: "Streamed export of a filter as NDJSON, CSV, or a ZIP of both (a CSV that proves itself), recorded as DATA_EXPORTED",
        description: "NDJSON ends with a proof line (docs/integrity.md). `format=zip` holds events.csv (the `format=csv` bytes), events.ndjson with its proof line, and a README; `npx vigil verify FILE.zip` proves the NDJSON and checks the CSV is exactly those events.",
        parameters: queryParameters(exportQuerySchema, hoisted),
        responses: { "200": { description: "The export", content: { "application/x-ndjson": {}, "text/csv": {}, "application/zip": {} } }, ...errors(400, 401, 403, 422, 429, 503) },
      },
    },
    "/api/v1/reports/security": {
      get: {
        summary: "The security report of a period, as JSON or PDF; recorded as REPORT_DOWNLOADED",
        description: "Scope reports:read. Failed logins (by day, top source IPs and accounts, whether each is blocked now), data exports (by person and role, authorized or not), settings changes (administrators, review status), alerts, and the chain head and signed checkpoint it was computed against. Definitions in docs/reports.md.",
        parameters: queryParameters(reportQuerySchema, hoisted),
        responses: {
          "200": { description: "The report", content: { "application/json": { schema: { type: "object" } }, "application/pdf": { schema: { type: "string", format: "binary" } } } },
          ...errors(400, 401, 403, 422, 429, 503),
        },
      },
    },
    "/api/v1/reports/compliance": {
      get: {
        summary: "Compliance evidence (GDPR, SOC 2, ISO 27001, LGPD) of a period, as JSON or PDF; recorded as REPORT_DOWNLOADED",
        description: "Scope reports:read. Verifies what was appended since the verified head and signs the head before reporting.",
        parameters: queryParameters(reportQuerySchema, hoisted),
        responses: {
          "200": { description: "The report", content: { "application/json": { schema: { type: "object" } }, "application/pdf": { schema: { type: "string", format: "binary" } } } },
          ...errors(400, 401, 403, 422, 429, 503),
        },
      },
    },
    "/api/v1/chain/verify": {
      get: {
        summary: "Verify the organization's chain",
        description: "Re-hashes only the events after the verified head (the last tree size whose chain and stored tree were checked): before answering when there are at most 5,000 of them, else in the background while the answer comes from the verified head (`unverified` counts them). The daily verify job re-verifies the whole chain and tree from the genesis; its last result is `full_verification`, a pass in progress `full_verification_running`. `ok` is false when either found a break.",
        responses: { "200": { description: "{ ok, from_seq, checked, nodes_checked, first_bad_seq, head_seq, head_hash, missing, checkpoint, problems, verified_seq, verified_at, unverified, full_verification: { verified_at, ok, checked, head_seq, first_bad_seq, problems } | null, full_verification_running: { started_at, updated_at, target_seq, cursor_seq, checked } | null }" }, ...errors(401, 403, 422, 503) },
      },
    },
    "/api/v1/chain/checkpoints": {
      get: {
        summary: "Signed tree heads (C2SP checkpoints in signed notes), newest first, with every key that signed one",
        description: "Each checkpoint carries the cosignature lines its witnesses answered (C2SP tlog-cosignature; append them to `note` to check them); `witnesses` is each witness's record of the org's log.",
        responses: { "200": { description: "{ data: [{ id, org_id, seq, hash, root_hash, signed_at, key_id, signature, note, cosignatures: [string] }], public_keys: [{ id, public_key, verifier_key, created_at }], witnesses: [{ witness, size, updated_at, last_error, failures }], format }" }, ...errors(400, 401, 403, 503) },
      },
    },
    "/api/v1/chain/consistency": {
      get: {
        summary: "RFC 6962 consistency proof between two sizes of the organization's Merkle tree",
        description: "Scope events:read. `to` defaults to the latest signed tree head. Proves that the tree of size `from` (a head you kept) is a prefix of the tree of size `to`.",
        parameters: queryParameters(consistencyQuerySchema, hoisted),
        responses: { "200": { description: "{ from, to, from_root, to_root, proof: [hex], checkpoint }" }, ...errors(400, 401, 403, 404, 422, 503) },
      },
    },
    "/api/v1/alerts": {
      get: {
        summary: "Suspicious-activity alerts, open first",
        description: "Scope events:read. One alert per pattern (rule and subject), grown as the pattern continues.",
        parameters: queryParameters(alertsQuerySchema, hoisted),
        responses: { "200": { description: "{ data: [{ id, rule, severity, status, subject: { ip?, actor? }, count, first_seen, last_seen, event_ids }] }" }, ...errors(400, 401, 403, 429, 503) },
      },
    },
    "/api/v1/archives": {
      get: { summary: "Archive and backup segments (gzip NDJSON + manifest)", responses: { "200": { description: "{ data: [{ id, from_seq, to_seq, count, first_hash, last_hash, sha256, location, created_at }] }" }, ...errors(400, 401, 403, 429, 503) } },
    },
    "/api/v1/blocklist": {
      get: { summary: "Blocked IPs, CIDR ranges and actors in force, for integrators to enforce", responses: { "200": { description: "{ data: [{ id, kind: ip|cidr|actor, value, reason, created_at, expires_at }] }" }, ...errors(401, 403, 429, 503) } },
    },
    "/api/health": {
      get: { summary: "Liveness and database readiness", security: [], responses: { "200": { description: "Up" }, "503": { description: "Database down" } } },
    },
  };
  const schemas = {
    EventInput: schemaOf(eventInputSchema, hoisted),
    EventBatch: schemaOf(batchInputSchema, hoisted),
    IngestResult: schemaOf(ingestResultSchema, hoisted),
    Event: eventSchema,
    Error: errorSchema,
  };
  return {
    openapi: "3.0.3",
    info: {
      title: "Vigil API",
      version: "1.0.0",
      description: "Tamper-evident audit logs. Authenticate with `Authorization: Bearer <api key>`; scopes: " + API_SCOPES.join(", ") + ". A signed-in console session (its cookie) is accepted too, with the role's permissions standing in for scopes (docs/api.md).",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { ...hoisted, ...schemas },
      responses: Object.fromEntries(
        [[400, "Invalid input: every problem with its path"], [401, "Missing, unknown or revoked API key"], [403, "The key lacks the scope"],
          [404, "Not found (also another organization's resource)"], [413, "Body too large"], [422, "query_too_expensive: the read ran past its time limit; narrow it"], [429, "Rate limited; see Retry-After"],
          [503, "Database unavailable; see Retry-After"]].map(([code, description]) => [
          `E${code}`, { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        ]),
      ),
    },
    paths,
  };
}
