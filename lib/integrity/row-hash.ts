import crypto from "node:crypto";

/**
 * The content hash of a stored event computed straight from its columns, for the database
 * verification passes (lib/integrity/verify.ts): the same bytes as
 * contentHash(rowToEvent(row)) — RFC 8785 JSON of the event's content — without building the
 * event, its content object and a generic canonicalization of both. The event's shape is
 * fixed, so its keys are written in their canonical (UTF-16 code unit) order here, strings
 * as JSON.stringify writes them (RFC 8785 §3.2.2.2), and only the three JSON columns are
 * parsed and canonicalized. A profile of the generic path had canonicalization at
 * 30% of a verification's CPU and garbage collection at 16% (docs/benchmarks.md).
 *
 * This path can only be wrong by finding a mismatch that isn't there: a row whose hash it
 * doesn't reproduce is hashed again by the reference code before anything is reported, and
 * tests/integration/row-hash.test.ts checks both give the same text for random events.
 */

/** The select list, read with rowMode "array": each value's position is its ROW index. */
export const ROW_COLUMNS = [
  "seq",
  "id",
  "org_id",
  `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  "action",
  "category",
  "status",
  "severity",
  "actor_type",
  "actor_id",
  "actor_email",
  "actor_name",
  "targets::text",
  "host(ip)",
  "user_agent",
  "location",
  "request_id",
  "reason",
  "changes::text",
  "metadata::text",
  "source",
  "idempotency_key",
  "content_hash",
  "prev_hash",
  "hash",
].join(", ");

export const ROW = { seq: 0, content_hash: 22, prev_hash: 23, hash: 24 } as const;

/** Every value as the text PostgreSQL sent (no Date, no JSON.parse by the driver). */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value } as const;

export type RawRow = Array<string | null>;

/** What JSON.stringify would escape (a quote, a backslash, a control character), and surrogates, left to it. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it; most need no escape, and quoting them is a third of the cost. */
const quote = (v: string): string => (NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`);

const str = (v: string | null | undefined): string => (v === null || v === undefined ? "null" : quote(v));

/**
 * RFC 8785 text of a value JSON.parse made (no undefined, no NaN, no toJSON): the
 * canonicalize package's rule — keys sorted by code unit, primitives as JSON.stringify
 * writes them — with loops instead of its reduce over template strings.
 */
function canonical(v: unknown): string {
  if (typeof v === "string") return quote(v);
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += (i === 0 ? "" : ",") + canonical(v[i]);
    return out + "]";
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) out += (i === 0 ? "" : ",") + quote(keys[i]!) + ":" + canonical(o[keys[i]!]);
  return out + "}";
}

/** A JSON column's stored text in canonical form (the empty ones, most of them, as they are). */
function json(text: string | null): string {
  if (text === "[]" || text === "{}") return text;
  return canonical(JSON.parse(text ?? "null"));
}

/** The canonical JSON text of the content of the event in `r` (read with ROW_COLUMNS). */
export function contentTextOfRow(r: RawRow): string {
  const hasActor = r[8] !== null || r[9] !== null || r[10] !== null || r[11] !== null;
  const actor = hasActor ? `{"email":${str(r[10])},"id":${str(r[9])},"name":${str(r[11])},"type":${str(r[8])}}` : "null";
  return (
    `{"action":${str(r[4])},"actor":${actor},"category":${str(r[5])},"changes":${json(r[18]!)},` +
    `"context":{"ip":${str(r[13])},"location":${str(r[15])},"request_id":${str(r[16])},"user_agent":${str(r[14])}},` +
    `"id":${str(r[1])},"idempotency_key":${str(r[21])},"metadata":${json(r[19]!)},"occurred_at":${str(r[3])},` +
    `"org_id":${str(r[2])},"reason":${str(r[17])},"seq":${Number(r[0])},"severity":${str(r[7])},"source":${str(r[20])},` +
    `"status":${str(r[6])},"targets":${json(r[12]!)}}`
  );
}

export const contentHashOfRow = (r: RawRow): string => crypto.hash("sha256", contentTextOfRow(r), "hex") as string;

export const linkHashFast = (prevHash: string, contentHashHex: string): string => crypto.hash("sha256", prevHash + contentHashHex, "hex") as string;
