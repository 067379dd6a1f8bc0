import { ChainVerifier } from "@/lib/integrity/chain";
import type { AuditEvent } from "@/lib/events/types";
import { fileLines } from "@/lib/integrity/input-file";

/**
 * Verifies an NDJSON export or a gzip archive segment with no database: each line's
 * content hash is recomputed, each hash re-linked, and consecutive seqs must chain.
 * A file that can't be read throws InputFileError.
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
}

export async function verifyFile(file: string): Promise<FileVerification> {
  const verifiers = new Map<string, ChainVerifier>();
  const problems: string[] = [];
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
  }
  const all = [...verifiers.values()];
  for (const v of all) problems.push(...v.problems.map((p) => p.message));
  const single = all.length === 1 ? all[0]! : undefined;
  return {
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
  };
}
