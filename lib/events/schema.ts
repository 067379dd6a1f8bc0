import { z } from "zod";
import { normalizeIp } from "@/lib/events/ip";
import { InexactNumber } from "@/lib/events/exact-json";
import { ACTION_PATTERN, ACTOR_TYPES, CATEGORIES, SEVERITIES, STATUSES } from "@/lib/events/catalog";

/**
 * The event body integrators send (DESIGN.md, Integrator API). Every boundary parses with
 * these schemas, and the OpenAPI document is generated from them.
 */

export const MAX_BATCH = 1000;
/** Largest event (as JSON) accepted; bigger payloads belong in the integrator's own store. */
export const MAX_EVENT_BYTES = 32 * 1024;
const MAX_DEPTH = 12;
/** Back-dated imports are welcome, but not from before this date (a typo, not history). */
export const EARLIEST_OCCURRED_AT = Date.parse("2000-01-01T00:00:00Z");
export const MAX_FUTURE_MS = 5 * 60 * 1000;

/** Text an event may hold: bounded, no NUL, well-formed Unicode (what PostgreSQL can store). */
export const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters")
    .refine((s) => s.isWellFormed(), "must be valid Unicode (no lone surrogates)");

export { normalizeIp } from "@/lib/events/ip";

const ipAddress = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    // Only what PostgreSQL keeps exactly and prints back as hashed (lib/events/ip.ts).
    const ip = normalizeIp(value);
    if (!ip) {
      ctx.addIssue({
        code: "custom",
        message: `'${value}' is not an IPv4 address in plain dotted decimal (no leading zeros) or an IPv6 address without a zone id`,
      });
      return z.NEVER;
    }
    return ip;
  });

interface JsonProblem {
  path: Array<string | number>;
  message: string;
}

/** The first thing in a JSON value Vigil can't store exactly, with where it is. */
function jsonProblem(value: unknown, depth: number, path: Array<string | number> = []): JsonProblem | undefined {
  const at = (message: string) => ({ path, message });
  if (depth > MAX_DEPTH) return at(`must not nest deeper than ${MAX_DEPTH} levels`);
  if (typeof value === "string") {
    if (value.includes("\u0000")) return at("must not contain NUL characters");
    if (!value.isWellFormed()) return at("must be valid Unicode (no lone surrogates)");
    return undefined;
  }
  if (value instanceof InexactNumber) {
    return at(`${value.token.slice(0, 40)} can't be stored exactly as a number (beyond 2^53, or under- or overflowing a double): send it as a string`);
  }
  if (typeof value === "number") return Number.isFinite(value) ? undefined : at("numbers must be finite");
  if (value === null || typeof value === "boolean") return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const p = jsonProblem(item, depth + 1, [...path, i]);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === "object") {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const p = jsonProblem(key, depth + 1, path) ?? jsonProblem(item, depth + 1, [...path, key]);
      if (p) return p;
    }
    return undefined;
  }
  return at("must be JSON");
}

const refuseUnstorable = (value: unknown, ctx: z.RefinementCtx) => {
  const problem = jsonProblem(value, 0);
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
};

const jsonValue = z.unknown().superRefine(refuseUnstorable);

const jsonObject = z.record(z.string(), z.unknown()).superRefine(refuseUnstorable);

export const actorSchema = z.strictObject({
  type: z.enum(ACTOR_TYPES).optional(),
  id: text(256).optional(),
  email: text(320).optional(),
  name: text(512).optional(),
});

export const targetSchema = z.strictObject({
  type: text(100).min(1, "is required"),
  id: text(256).min(1, "is required"),
  name: text(512).optional(),
});

export const changeSchema = z.strictObject({
  field: text(256).min(1, "is required"),
  before: jsonValue.optional(),
  after: jsonValue.optional(),
});

export const eventInputSchema = z
  .strictObject({
    action: z.string().regex(ACTION_PATTERN, "must be UPPER_SNAKE_CASE (A-Z, 0-9, _), 2 to 100 characters"),
    occurred_at: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone" }).optional(),
    category: z.enum(CATEGORIES).optional(),
    status: z.enum(STATUSES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    actor: actorSchema.optional(),
    targets: z.array(targetSchema).max(50, "at most 50 targets").optional(),
    context: z
      .strictObject({
        ip: ipAddress.optional(),
        user_agent: text(1024).optional(),
        location: text(256).optional(),
        request_id: text(256).optional(),
      })
      .optional(),
    reason: text(2000).optional(),
    changes: z.array(changeSchema).max(200, "at most 200 changes").optional(),
    metadata: jsonObject.optional(),
    idempotency_key: text(256).min(1).optional(),
  })
  .meta({ id: "EventInput" });

export type EventInput = z.infer<typeof eventInputSchema>;

export const batchInputSchema = z
  .strictObject({
    events: z.array(z.unknown()).min(1, "must hold at least one event").max(MAX_BATCH, `at most ${MAX_BATCH} events per request`),
  })
  .meta({ id: "EventBatch" });

export const ingestResultSchema = z
  .object({
    index: z.number().int(),
    id: z.string().nullable(),
    status: z.enum(["created", "duplicate", "rejected"]),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "IngestResult" });

export type IngestResult = z.infer<typeof ingestResultSchema>;

export interface FieldError {
  path: string;
  message: string;
}

/** Every zod issue as { path, message }; `root` names the whole input (the body, the query string). */
export function zodErrors(error: z.ZodError, prefix = "", root = "(body)"): FieldError[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      message = root === "(query)" ? `unknown parameter(s): ${issue.keys.join(", ")}` : `unknown field(s): ${issue.keys.join(", ")}`;
    }
    if (issue.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
    return { path: path || root, message };
  });
}
