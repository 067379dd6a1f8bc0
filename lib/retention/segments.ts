import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { inAppendTransaction } from "@/lib/events/ingest";
import { EVENT_COLUMNS, rowToEvent, type EventRow } from "@/lib/events/record";
import { verifyFile } from "@/lib/integrity/verify-file";
import { PROOF_KEY } from "@/lib/integrity/export-proof";
import { prepareExportProof } from "@/lib/integrity/prove-export";
import { archiveStore, storeFor } from "@/lib/storage/archive-store";

/**
 * Segments: one org's events of a contiguous seq range as gzip NDJSON — each line exactly
 * as the API exports it, so `npx vigil verify` checks it offline — and a manifest
 * { org_id, from_seq, to_seq, count, first_hash, last_hash, sha256, prev_hash, proof } beside
 * it, where `proof` is an export's proof (lib/integrity/export-proof.ts) of exactly that seq
 * range against a signed tree head, so `vigil verify` of a folder of segments proves each
 * one in the org's log and the series contiguous. Archives
 * and backups share the format and one contiguous series per org: each segment starts
 * where the previous one ended, so "is this event archived?" is "is seq ≤ the last to_seq?".
 * A segment is recorded only after it was read back from the store and verified, and its
 * receipt is written in the transaction that records it.
 */

export interface SegmentManifest {
  org_id: string;
  kind: "archive" | "backup";
  from_seq: number;
  to_seq: number;
  count: number;
  first_hash: string;
  last_hash: string;
  /** sha256 of the .ndjson.gz file's bytes. */
  sha256: string;
  /** hash of the event before from_seq (64 zeros for seq 1): where this segment links on. */
  prev_hash: string;
  created_at: string;
  /** The range proven in the org's signed tree (an export proof; `{ org_id, error }` when the chain failed verification). */
  proof: unknown;
}

export interface Segment {
  id: string;
  org_id: string;
  kind: "archive" | "backup";
  from_seq: number;
  to_seq: number;
  count: number;
  first_hash: string;
  last_hash: string;
  sha256: string;
  size_bytes: number;
  location: string;
  created_at: string;
  verified_at: string;
}

const SEGMENT_COLUMNS = "id, org_id, kind, from_seq, to_seq, count, first_hash, last_hash, sha256, size_bytes, location, created_at, verified_at";

interface SegmentRow extends Omit<Segment, "created_at" | "verified_at"> {
  created_at: Date;
  verified_at: Date;
}

const toSegment = (r: SegmentRow): Segment => ({
  ...r, from_seq: Number(r.from_seq), to_seq: Number(r.to_seq), size_bytes: Number(r.size_bytes),
  created_at: r.created_at.toISOString(), verified_at: r.verified_at.toISOString(),
});

export async function listSegments(orgId: string, opts: { limit?: number } = {}): Promise<Segment[]> {
  const { rows } = await pool().query<SegmentRow>(
    `select ${SEGMENT_COLUMNS} from archive_segments where org_id = $1 order by from_seq desc limit $2`,
    [orgId, opts.limit ?? 1000],
  );
  return rows.map(toSegment);
}

/** The last seq held by the org's segments (0: none). */
export async function archivedThrough(orgId: string): Promise<{ seq: number; hash: string | null }> {
  const { rows } = await pool().query<{ to_seq: number; last_hash: string }>(
    "select to_seq, last_hash from archive_segments where org_id = $1 order by to_seq desc limit 1",
    [orgId],
  );
  return rows[0] ? { seq: Number(rows[0].to_seq), hash: rows[0].last_hash } : { seq: 0, hash: null };
}

const READ_BATCH = 5000;

export class SegmentError extends Error {}

function sha256File(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function segmentKey(orgId: string, fromSeq: number, toSeq: number): string {
  const pad = (n: number) => String(n).padStart(12, "0");
  return `${orgId}/${pad(fromSeq)}-${pad(toSeq)}.ndjson.gz`;
}

/**
 * Checks a stored segment against its record: the bytes' sha256, then every line's hashes
 * and links, the seq range whole (no gap), the count and both end hashes.
 */
export async function verifyStoredSegment(s: Pick<Segment, "location" | "sha256" | "from_seq" | "to_seq" | "count" | "first_hash" | "last_hash">): Promise<void> {
  const { file, cleanup } = await storeFor(s.location).fetch(s.location);
  try {
    if (!fs.existsSync(file)) throw new SegmentError(`segment ${s.location} is missing from the store`);
    const digest = sha256File(file);
    if (digest !== s.sha256) throw new SegmentError(`segment ${s.location}: sha256 ${digest} is not the recorded ${s.sha256}`);
    const v = await verifyFile(file);
    if (!v.ok) throw new SegmentError(`segment ${s.location} does not verify: ${v.problems.slice(0, 3).join("; ")}`);
    if (v.first_seq !== s.from_seq || v.last_seq !== s.to_seq || v.checked !== s.count || v.gaps !== 0) {
      throw new SegmentError(`segment ${s.location} holds seq ${v.first_seq}..${v.last_seq} (${v.checked} events, ${v.gaps} gaps), not ${s.from_seq}..${s.to_seq} (${s.count})`);
    }
    if (v.last_hash !== s.last_hash) throw new SegmentError(`segment ${s.location}: last hash differs from the manifest`);
  } finally {
    cleanup();
  }
}

/**
 * Runs in the transaction that records a segment: the jobs append its receipt event there,
 * so a crash can't leave a recorded segment whose receipt was never written.
 */
export type OnSegmentRecorded = (client: pg.PoolClient, segment: Segment) => Promise<void>;

/**
 * Writes the org's events fromSeq..toSeq as a segment: to a temporary file, into the
 * store, read back and verified, and only then recorded in archive_segments.
 */
export async function writeSegment(
  orgId: string, fromSeq: number, toSeq: number, kind: "archive" | "backup", onRecorded?: OnSegmentRecorded,
): Promise<Segment> {
  const previous = await archivedThrough(orgId);
  if (fromSeq !== previous.seq + 1) throw new SegmentError(`segments are contiguous: the next one starts at seq ${previous.seq + 1}, not ${fromSeq}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-segment-"));
  try {
    const key = segmentKey(orgId, fromSeq, toSeq);
    const local = path.join(dir, path.basename(key));
    const gzip = zlib.createGzip();
    const out = fs.createWriteStream(local);
    const done = new Promise<void>((resolve, reject) => {
      out.on("finish", () => resolve());
      out.on("error", reject);
      gzip.on("error", reject);
    });
    gzip.pipe(out);
    let count = 0;
    let firstHash: string | null = null;
    let firstPrev: string | null = null;
    let lastHash: string | null = null;
    let expected = fromSeq;
    for (let after = fromSeq - 1; after < toSeq;) {
      const { rows } = await pool().query<EventRow>(
        `select ${EVENT_COLUMNS} from audit_events where org_id = $1 and seq > $2 and seq <= $3 order by seq limit $4`,
        [orgId, after, toSeq, READ_BATCH],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const event = rowToEvent(row);
        if (event.seq !== expected) throw new SegmentError(`seq ${expected} is missing from the database; a segment must be whole`);
        expected++;
        firstHash ??= event.hash;
        firstPrev ??= event.prev_hash;
        lastHash = event.hash;
        count++;
        if (!gzip.write(JSON.stringify(event) + "\n")) await new Promise((r) => gzip.once("drain", r));
      }
      after = Number(rows[rows.length - 1]!.seq);
    }
    gzip.end();
    await done;
    if (count !== toSeq - fromSeq + 1 || !firstHash || !lastHash || !firstPrev) {
      throw new SegmentError(`seq ${fromSeq}..${toSeq} is not whole in the database (${count} events)`);
    }
    if (previous.hash && firstPrev !== previous.hash) throw new SegmentError(`seq ${fromSeq} does not link to the previous segment's last hash`);
    // The range proven against a signed head that covers it (the chain verified first).
    const prover = await prepareExportProof(orgId, `seq ${fromSeq}..${toSeq}`);
    const seqs = Array.from({ length: count }, (_, i) => fromSeq + i);
    const proof = prover.treeSize !== undefined && prover.treeSize < toSeq
      ? { org_id: orgId, error: `no signed tree head covers seq ${toSeq} yet` }
      : (JSON.parse(await prover.line(seqs)) as Record<string, unknown>)[PROOF_KEY];
    const manifest: SegmentManifest = {
      org_id: orgId, kind, from_seq: fromSeq, to_seq: toSeq, count, first_hash: firstHash, last_hash: lastHash,
      sha256: sha256File(local), prev_hash: firstPrev, created_at: new Date().toISOString(), proof,
    };
    const manifestFile = local.replace(/\.ndjson\.gz$/, ".manifest.json");
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
    const store = archiveStore();
    const location = await store.put(key, local);
    await store.put(key.replace(/\.ndjson\.gz$/, ".manifest.json"), manifestFile);
    await verifyStoredSegment({ location, sha256: manifest.sha256, from_seq: fromSeq, to_seq: toSeq, count, first_hash: firstHash, last_hash: lastHash });
    // The receipt is an audit event: the append transaction makes its partition first.
    return await inAppendTransaction([], async (client) => {
      const { rows } = await client.query<SegmentRow>(
        `insert into archive_segments (id, org_id, kind, from_seq, to_seq, count, first_hash, last_hash, sha256, size_bytes, location, verified_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()) returning ${SEGMENT_COLUMNS}`,
        [uuidv7(), orgId, kind, fromSeq, toSeq, count, firstHash, lastHash, manifest.sha256, fs.statSync(local).size, location],
      );
      const segment = toSegment(rows[0]!);
      await onRecorded?.(client, segment);
      return segment;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Largest segment the jobs write in one piece. */
export const SEGMENT_MAX_EVENTS = 100_000;

const SEGMENT_LOCK_NAMESPACE = 72_177_101;

/**
 * Extends the org's segments up to `throughSeq` (in pieces of SEGMENT_MAX_EVENTS). The
 * backup and retention jobs both extend the one series, so each org's series is extended
 * under its own advisory lock.
 */
export async function archiveThrough(
  orgId: string, throughSeq: number, kind: "archive" | "backup", onRecorded?: OnSegmentRecorded,
): Promise<Segment[]> {
  const lock = await pool().connect();
  let broken = false;
  try {
    await lock.query("select pg_advisory_lock($1, hashtext($2))", [SEGMENT_LOCK_NAMESPACE, orgId]);
    try {
      const written: Segment[] = [];
      let from = (await archivedThrough(orgId)).seq + 1;
      while (from <= throughSeq) {
        const to = Math.min(throughSeq, from + SEGMENT_MAX_EVENTS - 1);
        written.push(await writeSegment(orgId, from, to, kind, onRecorded));
        from = to + 1;
      }
      return written;
    } finally {
      await lock.query("select pg_advisory_unlock($1, hashtext($2))", [SEGMENT_LOCK_NAMESPACE, orgId]).catch(() => {
        broken = true;
      });
    }
  } finally {
    lock.release(broken);
  }
}
