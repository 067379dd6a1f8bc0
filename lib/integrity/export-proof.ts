import crypto from "node:crypto";
import { canonicalJson } from "@/lib/integrity/chain";
import { openNote, parseCheckpointBody, verifierKey, type Checkpoint, type SigningKeyPair } from "@/lib/integrity/checkpoints";
import { rootFromLeaves, type Hash } from "@/lib/integrity/merkle";

/**
 * The proof line that ends every NDJSON export (docs/integrity.md, "Exports that prove
 * themselves"): one JSON object under `vigil_export_proof` with
 *
 *   statement   what the export is: its org, filter, first and last seq, event count, and
 *               the tree size and root it is proven against, and when it was made;
 *   signature   Ed25519 over the statement's RFC 8785 JSON, by the key that signed…
 *   checkpoint  …the signed tree head (a C2SP signed note) of that size and root, with the
 *               key's PEM and C2SP verifier key (compare it with the org's published keys);
 *   proof       the multi-leaf Merkle proof (lib/integrity/merkle.ts multiProof, hex) that
 *               the exported events are exactly the leaves at their seqs.
 *
 * So removing, reordering, duplicating or altering an event, or cutting the file's head or
 * tail, fails: the count and seq range are signed, and the root is rebuilt from the events.
 */

export const PROOF_KEY = "vigil_export_proof";

export interface ExportStatement {
  version: 1;
  org_id: string;
  /** The filter in the search language; "" for everything. */
  filter: string;
  unfiltered: boolean;
  from_seq: number | null;
  to_seq: number | null;
  count: number;
  tree_size: number;
  root_hash: string;
  exported_at: string;
}

export interface ExportProof {
  statement: ExportStatement;
  signature: string;
  checkpoint: { note: string; key_id: string; public_key: string; verifier_key: string };
  proof: string[];
}

export function proofLine(p: ExportProof): string {
  return JSON.stringify({ [PROOF_KEY]: p }) + "\n";
}

/** The last line of an export that can't be proven (its org's chain failed verification). */
export function unprovenLine(orgId: string, error: string): string {
  return JSON.stringify({ [PROOF_KEY]: { org_id: orgId, error } }) + "\n";
}

/** The proof of an export of these seqs (ascending) against checkpoint `cp`, signed by `key` (which signed cp). */
export function makeExportProof(
  cp: Checkpoint, key: SigningKeyPair, filter: string, seqs: number[], proof: Hash[], exportedAt = new Date(),
): ExportProof {
  if (!cp.note || !cp.rootHash) throw new Error("an export is proven against a checkpoint with a tree head");
  const statement: ExportStatement = {
    version: 1, org_id: cp.orgId, filter, unfiltered: filter === "", from_seq: seqs[0] ?? null, to_seq: seqs.at(-1) ?? null,
    count: seqs.length, tree_size: cp.seq, root_hash: cp.rootHash, exported_at: exportedAt.toISOString(),
  };
  const signature = crypto.sign(null, Buffer.from(canonicalJson(statement)), key.privateKey).toString("base64");
  return {
    statement, signature,
    checkpoint: { note: cp.note, key_id: cp.keyId, public_key: key.publicKeyPem, verifier_key: verifierKey(key.publicKeyPem) },
    proof: proof.map((h) => h.toString("hex")),
  };
}

/** A proof line's object, or undefined when the line is not one. */
export function asProofLine(value: unknown): unknown {
  return value && typeof value === "object" && PROOF_KEY in value ? (value as Record<string, unknown>)[PROOF_KEY] : undefined;
}

export interface ProofCheck {
  problems: string[];
  statement?: ExportStatement;
  verifierKey?: string;
}

/**
 * Checks a proof against the events read (seq and leaf hash, in file order), with no
 * database. Returns what is wrong, first problem first.
 */
export function checkExportProof(raw: unknown, orgId: string | undefined, leaves: Array<[number, Hash]>): ProofCheck {
  const p = raw as (Partial<ExportProof> & { error?: unknown }) | undefined;
  if (p && typeof p.error === "string") return { problems: [`the export is not proven: ${p.error}`] };
  const s = p?.statement;
  if (!p || !s || typeof s !== "object" || typeof p.signature !== "string" || !p.checkpoint || typeof p.checkpoint.note !== "string" ||
    typeof p.checkpoint.public_key !== "string" || !Array.isArray(p.proof)) {
    return { problems: ["the proof line is damaged: it lacks its statement, signature, checkpoint or proof"] };
  }
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey(p.checkpoint.public_key);
  } catch {
    return { problems: ["the proof line's public key can't be read"] };
  }
  const vk = verifierKey(p.checkpoint.public_key);
  const problems: string[] = [];
  if (!crypto.verify(null, Buffer.from(canonicalJson(s)), publicKey, Buffer.from(p.signature, "base64"))) {
    return { problems: ["the proof line's statement is not signed by its key (it was changed after the export)"], verifierKey: vk };
  }
  const opened = openNote(p.checkpoint.note, p.checkpoint.public_key);
  const head = opened && parseCheckpointBody(opened.body);
  if (!head) return { problems: ["the proof line's checkpoint is not a tree head signed by the same key"], statement: s, verifierKey: vk };
  if (head.origin !== `vigil/orgs/${s.org_id}` || head.size !== s.tree_size || head.rootHash !== s.root_hash) {
    problems.push(`the statement names tree size ${s.tree_size}, the signed checkpoint ${head.size} of ${head.origin}`);
  }
  if (orgId !== undefined && orgId !== s.org_id) problems.push(`the events are org ${orgId}'s, the proof org ${s.org_id}'s`);
  if (leaves.length !== s.count) {
    const gap = leaves.findIndex(([seq], i) => i > 0 && seq !== leaves[i - 1]![0] + 1);
    // Only an export of everything is gap-free (but for what retention deleted): there a gap names the missing event.
    const where = s.unfiltered && leaves.length < s.count && gap > 0 ? `; the first seq missing is ${leaves[gap - 1]![0] + 1}` : "";
    problems.push(`the proof covers ${s.count} event(s), the file holds ${leaves.length}${where}`);
  }
  const first = leaves[0]?.[0] ?? null;
  const last = leaves.at(-1)?.[0] ?? null;
  if (first !== s.from_seq) problems.push(`the export starts at seq ${s.from_seq ?? "(none)"}, the file at ${first ?? "(none)"}: its head was cut`);
  if (last !== s.to_seq) problems.push(`the export ends at seq ${s.to_seq ?? "(none)"}, the file at ${last ?? "(none)"}: its tail was cut`);
  if (s.unfiltered && s.to_seq !== null && s.to_seq !== s.tree_size) problems.push(`an export of everything must end at the tree head (seq ${s.tree_size}), this one ends at ${s.to_seq}`);
  for (let i = 1; i < leaves.length; i++) {
    if (leaves[i]![0] <= leaves[i - 1]![0]) {
      problems.push(`seq ${leaves[i]![0]} follows ${leaves[i - 1]![0]}: events are out of order or repeated`);
      break;
    }
  }
  if (problems.length === 0) {
    const hashes = p.proof.map((h) => Buffer.from(String(h), "hex"));
    const root = leaves.every(([seq]) => seq >= 1 && seq <= s.tree_size)
      ? rootFromLeaves(leaves.map(([seq, h]): [number, Hash] => [seq - 1, h]), s.tree_size, hashes)
      : undefined;
    if (!root || root.toString("hex") !== s.root_hash) problems.push(`the events don't rebuild the signed tree root of size ${s.tree_size}: one is missing, added or altered`);
  }
  return { problems, statement: s, verifierKey: vk };
}
