import crypto from "node:crypto";
import canonicalize from "canonicalize";
import type { AuditEvent, EventContent } from "@/lib/events/types";

/**
 * The hash chain of DESIGN.md's Integrity section, with no database in sight so that the
 * offline verifier (`npx vigil verify`) runs the very same code:
 *
 *   content_hash = sha256(JCS(event minus content_hash, prev_hash, hash, received_at))
 *   hash         = sha256(prev_hash ‖ content_hash)      (lowercase hex, concatenated)
 *
 * The first event of an org links to GENESIS_HASH; the chain runs per org in seq order.
 */

export const GENESIS_HASH = "0".repeat(64);

/** Fields that are not part of an event's content. Marks added after ingest go here too. */
const NOT_CONTENT = new Set(["received_at", "content_hash", "prev_hash", "hash", "redacted", "chain"]);

export function contentOf(event: AuditEvent | EventContent | Record<string, unknown>): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (!NOT_CONTENT.has(key)) content[key] = value;
  }
  return content;
}

export function sha256Hex(text: string): string {
  return crypto.hash("sha256", text, "hex") as string;
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value cannot be canonicalized");
  return text;
}

export function contentHash(event: AuditEvent | EventContent | Record<string, unknown>): string {
  return sha256Hex(canonicalJson(contentOf(event)));
}

export function linkHash(prevHash: string, contentHashHex: string): string {
  return crypto.hash("sha256", prevHash + contentHashHex, "hex") as string;
}

export type ChainProblem =
  | { seq: number; kind: "content_hash"; message: string }
  | { seq: number; kind: "hash"; message: string }
  | { seq: number; kind: "link"; message: string }
  | { seq: number; kind: "order"; message: string };

/**
 * Checks events one at a time, in seq order, with constant memory. Gaps in seq (a filtered
 * export) are counted, not failures: the events on either side still prove themselves.
 */
export class ChainVerifier {
  checked = 0;
  gaps = 0;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  lastHash: string | undefined;
  /** The first seq missing from a gap, if any: where a full chain stops being whole. */
  firstMissingSeq: number | undefined;
  problems: ChainProblem[] = [];

  constructor(private readonly maxProblems = 100) {}

  get ok(): boolean {
    return this.problems.length === 0;
  }

  get firstBadSeq(): number | null {
    return this.problems[0]?.seq ?? null;
  }

  private problem(p: ChainProblem): void {
    if (this.problems.length < this.maxProblems) this.problems.push(p);
  }

  add(event: AuditEvent): void {
    this.addHashed(Number(event.seq), contentHash(event), event.content_hash, event.prev_hash, event.hash);
  }

  /**
   * One event by its hashes: `computedContentHash` is the hash of its content as read, the
   * rest as stored. The database passes hash rows without building events (row-hash.ts).
   */
  addHashed(seq: number, computedContentHash: string, content_hash: string, prev_hash: string, hash: string): void {
    this.checked++;
    if (this.firstSeq === undefined) this.firstSeq = seq;
    if (computedContentHash !== content_hash) {
      this.problem({ seq, kind: "content_hash", message: `content does not match content_hash at seq ${seq}` });
    }
    if (linkHash(prev_hash, content_hash) !== hash) {
      this.problem({ seq, kind: "hash", message: `hash is not sha256(prev_hash ‖ content_hash) at seq ${seq}` });
    }
    if (this.lastSeq === undefined) {
      if (seq === 1 && prev_hash !== GENESIS_HASH) {
        this.problem({ seq, kind: "link", message: "the first event does not start from the genesis hash" });
      }
    } else if (seq <= this.lastSeq) {
      this.problem({ seq, kind: "order", message: `seq ${seq} follows ${this.lastSeq}: events are out of order` });
    } else if (seq === this.lastSeq + 1) {
      if (prev_hash !== this.lastHash) {
        this.problem({ seq, kind: "link", message: `prev_hash at seq ${seq} is not the hash of seq ${this.lastSeq}` });
      }
    } else {
      this.gaps++;
      this.firstMissingSeq ??= this.lastSeq + 1;
    }
    this.lastSeq = seq;
    this.lastHash = hash;
  }
}
