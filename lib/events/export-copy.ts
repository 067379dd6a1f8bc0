/**
 * The export's fast path: PostgreSQL streams the rows with `COPY (SELECT …) TO STDOUT` (text
 * format), and Node turns each row into an NDJSON line byte by byte, without making a
 * JavaScript string per value. Building the JSON in SQL (json_build_object) cost PostgreSQL
 * three times the work of plain COPY output, and building it from parsed strings in Node cost
 * more again, mostly in garbage and in flattening strings; this path costs Node a few
 * microseconds per row, so the export runs as fast as PostgreSQL can write rows.
 *
 * COPY text format (PostgreSQL docs, "COPY … File Formats"): columns separated by a tab,
 * rows ended by a newline, NULL written `\N`, and in values the backslash, newline, carriage
 * return and tab (and backspace, form feed, vertical tab) written as backslash sequences; COPY
 * TO never writes octal or hex sequences. Every other byte, UTF-8 included, is as stored.
 */

import { COL, EVENT_COLUMN_NAMES } from "@/lib/events/columns";

/** The COPY statement selects EVENT_COLUMNS; the transforms below read each value at its COL position. */
const COLUMN_COUNT = EVENT_COLUMN_NAMES.length;

const TAB = 9;
const NL = 10;
const BS = 92;
const QUOTE = 34;

/**
 * Parameters written into the statement as literals: COPY takes no bind parameters. A literal
 * is typed exactly as an untyped bind parameter is (pg sends parameters untyped), so the
 * statement means the same. Only strings and arrays of strings occur (lib/events/filter.ts);
 * anything else is refused rather than guessed at.
 */
export function inlineParams(sql: string, params: readonly unknown[], escapeLiteral: (s: string) => string): string {
  const literal = (v: unknown): string => {
    if (typeof v === "string") {
      if (v.includes("\u0000")) throw new Error("a parameter holds a NUL character");
      return escapeLiteral(v);
    }
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) {
      return escapeLiteral(`{${v.map((x: string) => `"${x.replace(/[\\"]/g, (c) => "\\" + c)}"`).join(",")}}`);
    }
    throw new Error(`cannot inline a parameter of type ${typeof v}`);
  };
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`no parameter $${n}`);
    return literal(params[i]);
  });
}

/** Splits COPY output into whole rows, carrying a partial row over to the next chunk. */
export class CopyRows {
  private rest: Buffer | null = null;

  /** The whole rows of `chunk` (with what was left of the previous one): the bytes and where each row ends. */
  push(chunk: Buffer): { buf: Buffer; ends: number[] } {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const ends: number[] = [];
    let at = buf.indexOf(NL);
    let last = -1;
    while (at !== -1) {
      ends.push(at);
      last = at;
      at = buf.indexOf(NL, at + 1);
    }
    this.rest = last + 1 < buf.length ? buf.subarray(last + 1) : null;
    return { buf, ends };
  }

  /** Bytes after the last newline: COPY always ends a row with one, so this means a cut stream. */
  get pending(): number {
    return this.rest?.length ?? 0;
  }
}

/** Field boundaries of the row in buf[start, end): starts[i], stops[i]. */
function splitRow(buf: Buffer, start: number, end: number, starts: Int32Array, stops: Int32Array): void {
  let f = 0;
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === TAB) {
      if (f >= COLUMN_COUNT - 1) throw new Error("COPY row has more columns than expected");
      starts[f] = s;
      stops[f] = i;
      f++;
      s = i + 1;
    }
  }
  if (f !== COLUMN_COUNT - 1) throw new Error(`COPY row has ${f + 1} columns, expected ${COLUMN_COUNT}`);
  starts[f] = s;
  stops[f] = end;
}

const isNull = (buf: Buffer, s: number, e: number) => e - s === 2 && buf[s] === BS && buf[s + 1] === 78; // \N

const HEX = "0123456789abcdef";

/** A growable output buffer written byte by byte. */
class Out {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  raw(src: Buffer, s: number, e: number): void {
    this.ensure(e - s);
    src.copy(this.buf, this.pos, s, e);
    this.pos += e - s;
  }
  /**
   * A COPY text value as a JSON string, quotes included, escaped as JSON.stringify escapes:
   * `\"`, `\\`, `\b \f \n \r \t`, other control characters as `\u00xx`.
   */
  jsonString(src: Buffer, s: number, e: number): void {
    if (isNull(src, s, e)) {
      this.bytes(NULL);
      return;
    }
    this.ensure((e - s) * 6 + 2);
    const o = this.buf;
    let p = this.pos;
    o[p++] = QUOTE;
    for (let i = s; i < e; i++) {
      let c = src[i]!;
      if (c === BS) {
        const n = src[++i]!;
        c = n === 110 ? 10 : n === 114 ? 13 : n === 116 ? 9 : n === 98 ? 8 : n === 102 ? 12 : n === 118 ? 11 : n;
      }
      if (c === QUOTE || c === BS) {
        o[p++] = BS;
        o[p++] = c;
      } else if (c >= 0x20) {
        o[p++] = c;
      } else if (c === 10 || c === 13 || c === 9 || c === 8 || c === 12) {
        o[p++] = BS;
        o[p++] = c === 10 ? 110 : c === 13 ? 114 : c === 9 ? 116 : c === 8 ? 98 : 102;
      } else {
        o[p++] = BS;
        o[p++] = 117; // u
        o[p++] = 48;
        o[p++] = 48;
        o[p++] = HEX.charCodeAt(c >> 4);
        o[p++] = HEX.charCodeAt(c & 15);
      }
    }
    o[p++] = QUOTE;
    this.pos = p;
  }
  /** A jsonb value's text: already JSON, only COPY's backslash sequences undone. */
  json(src: Buffer, s: number, e: number): void {
    if (isNull(src, s, e)) {
      this.bytes(NULL);
      return;
    }
    this.ensure(e - s);
    const o = this.buf;
    let p = this.pos;
    for (let i = s; i < e; i++) {
      const c = src[i]!;
      if (c !== BS) {
        o[p++] = c;
        continue;
      }
      const n = src[++i]!;
      o[p++] = n === 110 ? 10 : n === 114 ? 13 : n === 116 ? 9 : n === 98 ? 8 : n === 102 ? 12 : n === 118 ? 11 : n;
    }
    this.pos = p;
  }
  /** "2026-11-26 03:15:52.12+00" (UTC session) as "\"2026-11-26T03:15:52.120Z\"", like Date#toISOString. */
  timestamp(src: Buffer, s: number, e: number): void {
    this.ensure(26);
    const o = this.buf;
    let p = this.pos;
    o[p++] = QUOTE;
    src.copy(o, p, s, s + 10);
    p += 10;
    o[p++] = 84; // T
    src.copy(o, p, s + 11, s + 19);
    p += 8;
    o[p++] = 46; // .
    let i = s + 19;
    let digits = 0;
    if (src[i] === 46) {
      i++;
      while (i < e && digits < 3 && src[i]! >= 48 && src[i]! <= 57) {
        o[p++] = src[i++]!;
        digits++;
      }
    }
    while (digits++ < 3) o[p++] = 48;
    o[p++] = 90; // Z
    o[p++] = QUOTE;
    this.pos = p;
  }
}

const b = (s: string) => Buffer.from(s, "utf8");
const NULL = b("null");
const K = {
  id: b('{"id":"'), orgId: b('","org_id":"'), seq: b('","seq":'), occurredAt: b(',"occurred_at":'), receivedAt: b(',"received_at":'),
  action: b(',"action":'), category: b(',"category":'), status: b(',"status":'), severity: b(',"severity":'),
  actor: b(',"actor":'), actorType: b('{"type":'), actorId: b(',"id":'), actorEmail: b(',"email":'), actorName: b(',"name":'), close: b("}"),
  targets: b(',"targets":'), ip: b(',"context":{"ip":'), userAgent: b(',"user_agent":'), location: b(',"location":'), requestId: b(',"request_id":'),
  reason: b('},"reason":'), changes: b(',"changes":'), metadata: b(',"metadata":'), source: b(',"source":'), idempotencyKey: b(',"idempotency_key":'),
  contentHash: b(',"content_hash":"'), prevHash: b('","prev_hash":"'), hash: b('","hash":"'), end: b('"}\n'),
};

/**
 * NDJSON lines for the whole rows in `buf` (ends from CopyRows): the same fields, order and
 * values as the API's event (rowToEvent); each row's seq is pushed to `seqs` when given. Objects from jsonb columns keep PostgreSQL's
 * spacing and key order, which JSON readers and the chain's hash (RFC 8785 sorts keys)
 * don't see.
 */
export function ndjsonFromCopy(buf: Buffer, ends: readonly number[], seqs?: number[]): Buffer {
  const out = new Out(Math.ceil(buf.length * 1.25) + ends.length * 512);
  const st = new Int32Array(COLUMN_COUNT);
  const sp = new Int32Array(COLUMN_COUNT);
  let start = 0;
  for (const end of ends) {
    splitRow(buf, start, end, st, sp);
    out.bytes(K.id);
    out.raw(buf, st[COL.id]!, sp[COL.id]!);
    out.bytes(K.orgId);
    out.raw(buf, st[COL.org_id]!, sp[COL.org_id]!);
    out.bytes(K.seq);
    out.raw(buf, st[COL.seq]!, sp[COL.seq]!);
    seqs?.push(Number(buf.toString("latin1", st[COL.seq]!, sp[COL.seq]!)));
    out.bytes(K.occurredAt);
    out.timestamp(buf, st[COL.occurred_at]!, sp[COL.occurred_at]!);
    out.bytes(K.receivedAt);
    out.timestamp(buf, st[COL.received_at]!, sp[COL.received_at]!);
    out.bytes(K.action);
    out.jsonString(buf, st[COL.action]!, sp[COL.action]!);
    out.bytes(K.category);
    out.jsonString(buf, st[COL.category]!, sp[COL.category]!);
    out.bytes(K.status);
    out.jsonString(buf, st[COL.status]!, sp[COL.status]!);
    out.bytes(K.severity);
    out.jsonString(buf, st[COL.severity]!, sp[COL.severity]!);
    out.bytes(K.actor);
    if (isNull(buf, st[COL.actor_type]!, sp[COL.actor_type]!) && isNull(buf, st[COL.actor_id]!, sp[COL.actor_id]!) && isNull(buf, st[COL.actor_email]!, sp[COL.actor_email]!) && isNull(buf, st[COL.actor_name]!, sp[COL.actor_name]!)) {
      out.bytes(NULL);
    } else {
      out.bytes(K.actorType);
      out.jsonString(buf, st[COL.actor_type]!, sp[COL.actor_type]!);
      out.bytes(K.actorId);
      out.jsonString(buf, st[COL.actor_id]!, sp[COL.actor_id]!);
      out.bytes(K.actorEmail);
      out.jsonString(buf, st[COL.actor_email]!, sp[COL.actor_email]!);
      out.bytes(K.actorName);
      out.jsonString(buf, st[COL.actor_name]!, sp[COL.actor_name]!);
      out.bytes(K.close);
    }
    out.bytes(K.targets);
    out.json(buf, st[COL.targets]!, sp[COL.targets]!);
    out.bytes(K.ip);
    out.jsonString(buf, st[COL.ip]!, sp[COL.ip]!);
    out.bytes(K.userAgent);
    out.jsonString(buf, st[COL.user_agent]!, sp[COL.user_agent]!);
    out.bytes(K.location);
    out.jsonString(buf, st[COL.location]!, sp[COL.location]!);
    out.bytes(K.requestId);
    out.jsonString(buf, st[COL.request_id]!, sp[COL.request_id]!);
    out.bytes(K.reason);
    out.jsonString(buf, st[COL.reason]!, sp[COL.reason]!);
    out.bytes(K.changes);
    out.json(buf, st[COL.changes]!, sp[COL.changes]!);
    out.bytes(K.metadata);
    out.json(buf, st[COL.metadata]!, sp[COL.metadata]!);
    out.bytes(K.source);
    out.jsonString(buf, st[COL.source]!, sp[COL.source]!);
    out.bytes(K.idempotencyKey);
    out.jsonString(buf, st[COL.idempotency_key]!, sp[COL.idempotency_key]!);
    out.bytes(K.contentHash);
    out.raw(buf, st[COL.content_hash]!, sp[COL.content_hash]!);
    out.bytes(K.prevHash);
    out.raw(buf, st[COL.prev_hash]!, sp[COL.prev_hash]!);
    out.bytes(K.hash);
    out.raw(buf, st[COL.hash]!, sp[COL.hash]!);
    out.bytes(K.end);
    start = end + 1;
  }
  return out.buf.subarray(0, out.pos);
}

/** A COPY text value as a string (null for \N). */
function text(buf: Buffer, s: number, e: number): string | null {
  if (isNull(buf, s, e)) return null;
  if (buf.indexOf(BS, s) === -1 || buf.indexOf(BS, s) >= e) return buf.toString("utf8", s, e);
  const out = new Out(e - s);
  out.json(buf, s, e);
  return out.buf.toString("utf8", 0, out.pos);
}

/** The whole rows in `buf` as arrays of strings (null for NULL), in COPY_COLUMNS order. */
export function rowsFromCopy(buf: Buffer, ends: readonly number[]): Array<Array<string | null>> {
  const st = new Int32Array(COLUMN_COUNT);
  const sp = new Int32Array(COLUMN_COUNT);
  const rows: Array<Array<string | null>> = [];
  let start = 0;
  for (const end of ends) {
    splitRow(buf, start, end, st, sp);
    const row = new Array<string | null>(COLUMN_COUNT);
    for (let i = 0; i < COLUMN_COUNT; i++) row[i] = text(buf, st[i]!, sp[i]!);
    rows.push(row);
    start = end + 1;
  }
  return rows;
}
