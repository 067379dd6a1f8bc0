import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ChainVerifier } from "@/lib/integrity/chain";
import type { AuditEvent } from "@/lib/events/types";
import { fileLines } from "@/lib/integrity/input-file";
import { asProofLine, checkExportProof, type ExportStatement } from "@/lib/integrity/export-proof";
import { eventLeaf, type Hash } from "@/lib/integrity/merkle";
import { checkAgainstKept, publicKeyOfVerifierKey } from "@/lib/integrity/kept-head";
import os from "node:os";
import { Unzip, UnzipInflate } from "fflate";
import { CSV_HEADER, csvLineOfEvent } from "@/lib/events/csv";
import { InputFileError, reason } from "@/lib/integrity/input-file";

/**
 * Verifies an NDJSON export or a gzip archive segment with no database: each line's
 * content hash is recomputed, each hash re-linked, and consecutive seqs must chain. An
 * export (a plain .ndjson file) must end with its proof line, and the events must be
 * exactly what it signs (lib/integrity/export-proof.ts). A file that can't be read throws
 * InputFileError.
 */

export interface FileVerification {
  ok: boolean;
  file: string;
  checked: number;
  orgs: string[];
  first_seq: number | null;
  /** The prev_hash of the first event: the link to what came before the file. */
  first_prev_hash: string | null;
  last_seq: number | null;
  last_hash: string | null;
  gaps: number;
  first_bad_seq: number | null;
  problems: string[];
  /** What the export's proof line signs, when it holds; null for a segment or a file without one. */
  proven: (ExportStatement & { verifier_key: string }) | null;
  /** How the export's head relates to the kept checkpoint (`--checkpoint`), when it holds. */
  kept: string | null;
}

export interface VerifyFileOptions {
  /** A signed tree head the auditor kept (its note text): the export's head must be consistent with it. */
  checkpoint?: string;
  /** C2SP verifier keys the auditor trusts (a key rotated: several): the export's head and the kept one must be signed by one of them. */
  keys?: string[];
  /** Fetches a consistency proof between two tree sizes (hex), when the file can't give it. */
  consistency?: (from: number, to: number) => Promise<string[]>;
}

export async function verifyFile(file: string, opts: VerifyFileOptions = {}): Promise<FileVerification> {
  if (/\.zip$/i.test(file)) return verifyZip(file, opts);
  const verifiers = new Map<string, ChainVerifier>();
  const problems: string[] = [];
  const leaves: Array<[number, Hash]> = [];
  let firstPrevHash: string | null = null;
  let proof: unknown;
  let proofAt = 0;
  let lineNo = 0;
  for await (const line of fileLines(file)) {
    lineNo++;
    if (!line.trim()) continue;
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      problems.push(`line ${lineNo}: not JSON`);
      continue;
    }
    const p = asProofLine(event);
    if (p !== undefined) {
      if (proof !== undefined) problems.push(`line ${lineNo}: a second proof line`);
      proof = p;
      proofAt = lineNo;
      continue;
    }
    if (proof !== undefined) problems.push(`line ${lineNo}: an event after the proof line`);
    if (typeof event !== "object" || event === null || typeof event.org_id !== "string" || typeof event.hash !== "string") {
      problems.push(`line ${lineNo}: not an exported event (no org_id or hash)`);
      continue;
    }
    let v = verifiers.get(event.org_id);
    if (!v) {
      v = new ChainVerifier();
      verifiers.set(event.org_id, v);
    }
    firstPrevHash ??= typeof event.prev_hash === "string" ? event.prev_hash : null;
    v.add(event);
    try {
      leaves.push([Number(event.seq), eventLeaf(event.hash)]);
    } catch {
      problems.push(`line ${lineNo}: the hash is not 64 hex characters`);
    }
  }
  const all = [...verifiers.values()];
  for (const v of all) problems.push(...v.problems.map((p) => p.message));
  const single = all.length === 1 ? all[0]! : undefined;
  let proven: FileVerification["proven"] = null;
  const isSegment = /\.gz$/i.test(file);
  // A segment's proof is in its manifest beside it (lib/retention/segments.ts), with the sha256 of its bytes.
  const manifestFile = file.replace(/\.ndjson\.gz$/i, ".manifest.json");
  if (isSegment && proof === undefined && manifestFile !== file && fs.existsSync(manifestFile)) {
    const m = readManifest(manifestFile);
    if (typeof m === "string") problems.push(m);
    else {
      const digest = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
      if (m.sha256 !== digest) problems.push(`the segment's sha256 is ${digest}, its manifest says ${String(m.sha256)}: the file was changed`);
      if (single && (m.from_seq !== single.firstSeq || m.to_seq !== single.lastSeq || m.count !== single.checked)) {
        problems.push(`the manifest names seq ${String(m.from_seq)}..${String(m.to_seq)} (${String(m.count)}), the file holds ${single.firstSeq}..${single.lastSeq} (${single.checked})`);
      }
      if (single && single.gaps > 0) problems.push(`${single.gaps} gap(s) in seq: a segment is whole`);
      proof = m.proof;
      proofAt = -1;
    }
  }
  if (proof !== undefined) {
    const check = checkExportProof(proof, single ? [...verifiers.keys()][0] : undefined, leaves);
    problems.push(...check.problems.map((p) => `proof (${proofAt < 0 ? "manifest" : `line ${proofAt}`}): ${p}`));
    if (check.problems.length === 0 && check.statement) proven = { ...check.statement, verifier_key: check.verifierKey! };
  } else if (opts.checkpoint !== undefined || opts.keys?.length) {
    problems.push("the file has no proof line to check against the kept checkpoint or key");
  } else if (!isSegment && lineNo > 0) {
    problems.unshift("no proof line at the end: the file was cut short, or it is not a Vigil export (exports end with one since Vigil 0.2)");
  }
  let kept: string | null = null;
  const keys = (opts.keys ?? []).map((k) => k.trim());
  const trusted = keys.map((k) => [k, publicKeyOfVerifierKey(k)] as const);
  const badKey = trusted.find(([, pem]) => !pem);
  if (badKey) problems.push(`--key ${badKey[0]} is not a C2SP Ed25519 verifier key (vigil+<8 hex>+<base64>)`);
  else if (proven && keys.length > 0 && !keys.includes(proven.verifier_key)) {
    problems.push(`the export's head is signed by ${proven.verifier_key}, not by a key you trust (${keys.join(", ")})`);
  } else if (proven && opts.checkpoint !== undefined) {
    const check = await checkAgainstKept({
      note: opts.checkpoint,
      trusted: keys.length > 0 ? trusted.map(([, pem]) => pem!) : [publicKeyOfVerifierKey(proven.verifier_key)!],
      statement: proven, leaves, consistency: opts.consistency,
    });
    problems.push(...check.problems.map((p) => `checkpoint: ${p}`));
    kept = check.proven ?? null;
  }
  return {
    kept,
    ok: problems.length === 0 && lineNo > 0,
    file,
    checked: all.reduce((n, v) => n + v.checked, 0),
    orgs: [...verifiers.keys()],
    first_seq: single?.firstSeq ?? null,
    first_prev_hash: single ? firstPrevHash : null,
    last_seq: single?.lastSeq ?? null,
    last_hash: single?.lastHash ?? null,
    gaps: all.reduce((n, v) => n + v.gaps, 0),
    first_bad_seq: all.map((v) => v.firstBadSeq).find((s) => s !== null) ?? null,
    problems: lineNo === 0 ? ["the file is empty"] : problems,
    proven,
  };
}

function readManifest(file: string): Record<string, unknown> | string {
  try {
    const m = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return m && typeof m === "object" ? (m as Record<string, unknown>) : "the segment's manifest is not a JSON object";
  } catch {
    return `the segment's manifest ${path.basename(file)} can't be read as JSON`;
  }
}

export interface FolderVerification {
  ok: boolean;
  folder: string;
  segments: FileVerification[];
  org_id: string | null;
  first_seq: number | null;
  last_seq: number | null;
  checked: number;
  /** Segments with no proof in a manifest beside them (written before Vigil kept one): chains verified, not proven in the tree. */
  unproven: string[];
  problems: string[];
}

/**
 * A folder of archive segments (`vigil verify FOLDER`): each segment verified and proven by
 * its manifest, and the series contiguous — each starts at the seq after the previous one
 * ended and links to its last hash — from seq 1 unless the folder starts later (said).
 */
export async function verifyFolder(folder: string, opts: VerifyFileOptions = {}): Promise<FolderVerification> {
  const names = fs.readdirSync(folder).filter((n) => /\.ndjson\.gz$/i.test(n)).sort();
  const segments: FileVerification[] = [];
  for (const n of names) segments.push(await verifyFile(path.join(folder, n), opts));
  segments.sort((a, b) => (a.first_seq ?? 0) - (b.first_seq ?? 0));
  const problems: string[] = [];
  if (segments.length === 0) problems.push("the folder holds no segment (*.ndjson.gz)");
  // Segments written before manifests carried proofs still verify as chains; they are named apart.
  const unproven: string[] = [];
  for (const sg of segments) {
    for (const p of sg.problems) problems.push(`${path.basename(sg.file)}: ${p}`);
    if (!sg.proven && sg.problems.length === 0) unproven.push(path.basename(sg.file));
  }
  const orgs = new Set(segments.flatMap((sg) => sg.orgs));
  if (orgs.size > 1) problems.push(`the segments are of ${orgs.size} orgs: ${[...orgs].join(", ")}`);
  for (let i = 1; i < segments.length; i++) {
    const before = segments[i - 1]!;
    const next = segments[i]!;
    if (next.first_seq !== (before.last_seq ?? 0) + 1) {
      problems.push(`seq ${(before.last_seq ?? 0) + 1}..${(next.first_seq ?? 0) - 1} is missing between ${path.basename(before.file)} and ${path.basename(next.file)}`);
    } else if (next.first_prev_hash !== before.last_hash) {
      problems.push(`${path.basename(next.file)} does not link to the last hash of ${path.basename(before.file)}`);
    }
  }
  return {
    ok: problems.length === 0,
    folder,
    segments,
    org_id: orgs.size === 1 ? [...orgs][0]! : null,
    first_seq: segments[0]?.first_seq ?? null,
    last_seq: segments.at(-1)?.last_seq ?? null,
    checked: segments.reduce((n, sg) => n + sg.checked, 0),
    unproven,
    problems,
  };
}

/** The entries of an export's ZIP this verifier reads; anything else in it is ignored. */
const ZIP_ENTRIES = new Set(["events.ndjson", "events.csv"]);

async function unzipTo(file: string, dir: string): Promise<Set<string>> {
  const found = new Set<string>();
  const writes: Array<Promise<void>> = [];
  const unzip = new Unzip((entry) => {
    if (!ZIP_ENTRIES.has(entry.name)) return;
    found.add(entry.name);
    const fd = fs.openSync(path.join(dir, entry.name), "w");
    writes.push(new Promise<void>((resolve, reject) => {
      entry.ondata = (err, data, final) => {
        if (err) return reject(err);
        fs.writeSync(fd, data);
        if (final) {
          fs.closeSync(fd);
          resolve();
        }
      };
    }));
    entry.start();
  });
  unzip.register(UnzipInflate);
  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(file);
    for await (const chunk of stream) unzip.push(chunk as Uint8Array);
  } catch (err) {
    if ((err as { code?: string }).code) throw new InputFileError(`cannot read ${file}: ${reason(err)}`);
    throw err;
  }
  unzip.push(new Uint8Array(0), true);
  await Promise.all(writes);
  return found;
}

/**
 * A CSV export's ZIP (lib/events/export-zip.ts): events.ndjson verified and proven as an
 * export, then events.csv compared byte for byte with those events written as CSV.
 */
async function verifyZip(file: string, opts: VerifyFileOptions): Promise<FileVerification> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-verify-zip-"));
  try {
    let found: Set<string>;
    try {
      if (!startsWithZipMagic(file)) return { ...emptyResult(file), problems: ["the file is not a ZIP this verifier can read"] };
      found = await unzipTo(file, dir);
    } catch (err) {
      if (err instanceof InputFileError) throw err;
      return { ...emptyResult(file), problems: ["the file is not a ZIP this verifier can read"] };
    }
    if (!found.has("events.ndjson")) return { ...emptyResult(file), problems: ["the ZIP holds no events.ndjson: it is not a Vigil export"] };
    const ndjson = path.join(dir, "events.ndjson");
    const v = await verifyFile(ndjson, opts);
    const problems = v.problems.map((p) => `events.ndjson: ${p}`);
    if (!found.has("events.csv")) problems.push("the ZIP holds no events.csv");
    else {
      const csvProblem = await compareCsv(ndjson, path.join(dir, "events.csv"));
      if (csvProblem) problems.push(`events.csv: ${csvProblem}`);
    }
    const ok = v.ok && problems.length === 0;
    // What the NDJSON proves is said only when the whole ZIP holds.
    return { ...v, file, ok, problems, proven: ok ? v.proven : null, kept: ok ? v.kept : null };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A ZIP starts with a local file header, "PK\x03\x04". */
function startsWithZipMagic(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    throw new InputFileError(`cannot read ${file}: ${reason(err)}`);
  }
  try {
    const head = Buffer.alloc(4);
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    fs.closeSync(fd);
  }
}

function emptyResult(file: string): FileVerification {
  return { ok: false, file, checked: 0, orgs: [], first_seq: null, first_prev_hash: null, last_seq: null, last_hash: null, gaps: 0, first_bad_seq: null, problems: [], proven: null, kept: null };
}

/** Whether the CSV file is exactly the NDJSON's events written as CSV; else where it first differs. */
async function compareCsv(ndjson: string, csv: string): Promise<string | null> {
  const fd = fs.openSync(csv, "r");
  try {
    let at = 0;
    const same = (text: string): boolean => {
      const want = Buffer.from(text, "utf8");
      const got = Buffer.alloc(want.length);
      const n = fs.readSync(fd, got, 0, want.length, at);
      at += want.length;
      return n === want.length && got.equals(want);
    };
    if (!same(CSV_HEADER)) return "its header is not the export's columns";
    let row = 0;
    for await (const line of fileLines(ndjson)) {
      if (!line.trim()) continue;
      let event: AuditEvent;
      try {
        event = JSON.parse(line) as AuditEvent;
      } catch {
        return null; // the NDJSON's own check says so
      }
      if (asProofLine(event) !== undefined) continue;
      row++;
      if (!same(csvLineOfEvent(event))) return `row ${row} (seq ${event.seq}) is not that event of events.ndjson: the CSV was changed`;
    }
    const size = fs.fstatSync(fd).size;
    return size === at ? null : `it holds ${size - at} byte(s) after the last proven event: rows were added`;
  } finally {
    fs.closeSync(fd);
  }
}
