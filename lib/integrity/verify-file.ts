import { ChainVerifier } from "@/lib/integrity/chain";
import type { AuditEvent } from "@/lib/events/types";
import { fileLines } from "@/lib/integrity/input-file";
import { asProofLine, checkExportProof, type ExportStatement } from "@/lib/integrity/export-proof";
import { eventLeaf, type Hash } from "@/lib/integrity/merkle";
import { checkAgainstKept, publicKeyOfVerifierKey } from "@/lib/integrity/kept-head";

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
  const verifiers = new Map<string, ChainVerifier>();
  const problems: string[] = [];
  const leaves: Array<[number, Hash]> = [];
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
  if (proof !== undefined) {
    const check = checkExportProof(proof, single ? [...verifiers.keys()][0] : undefined, leaves);
    problems.push(...check.problems.map((p) => `proof (line ${proofAt}): ${p}`));
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
    last_seq: single?.lastSeq ?? null,
    last_hash: single?.lastHash ?? null,
    gaps: all.reduce((n, v) => n + v.gaps, 0),
    first_bad_seq: all.map((v) => v.firstBadSeq).find((s) => s !== null) ?? null,
    problems: lineNo === 0 ? ["the file is empty"] : problems,
    proven,
  };
}
