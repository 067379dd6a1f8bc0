import fs from "node:fs";
import { InputFileError, resolveInputFile } from "@/lib/integrity/input-file";
import { KEY_NAME, openNote, parseCheckpointBody, parseVerifierKey, verifierKey } from "@/lib/integrity/checkpoints";
import type { ExportStatement } from "@/lib/integrity/export-proof";
import { memoryNodes, treeRoot, verifyConsistency, type Hash } from "@/lib/integrity/merkle";

/**
 * `vigil verify FILE --checkpoint KEPT [--key VERIFIER_KEY] [--api URL]`: an export checked
 * against a signed tree head the auditor kept from earlier — the org's
 * `checkpoint-latest.note` from the archive store, a witness's copy, or one answer of
 * GET /api/v1/chain/checkpoints — so a log rewritten since (and re-signed) can't hand the
 * auditor a consistent-looking export of the new history. With no database:
 *
 * - the kept head must be signed by a key the auditor trusts (`--key`, a C2SP verifier key
 *   as GET /api/v1/chain/checkpoints lists them; without it, the export's own key), and be
 *   the same org's log;
 * - of the same size as the export's head, the roots must be equal;
 * - of another size, the smaller tree must be a prefix of the larger (RFC 9162 §2.1.4.2).
 *   An export of everything from seq 1 holds the leaves to work that out itself; any other
 *   needs the consistency proof, which `--api URL` fetches from Vigil
 *   (GET /api/v1/chain/consistency, with VIGIL_API_KEY): it needs no trust in Vigil, since
 *   a proof that isn't right doesn't verify against the two signed roots.
 */

export class KeptHeadError extends Error {}

const MAX_NOTE_BYTES = 64 * 1024;

/** The kept head's text: a file, or an http(s) URL (no redirects followed). */
export async function readKeptHead(source: string, cwd: string): Promise<string> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { redirect: "error", signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new KeptHeadError(`can't fetch the checkpoint at ${source}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok) throw new KeptHeadError(`the checkpoint at ${source} answered ${res.status}`);
    text = await res.text();
  } else {
    const file = resolveInputFile(source, cwd);
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      throw new InputFileError(`can't read the checkpoint file ${source}`);
    }
  }
  if (text.length > MAX_NOTE_BYTES) throw new KeptHeadError("the checkpoint is too large to be a signed tree head");
  // One checkpoint as the API lists it ({ note, … }) is taken too.
  try {
    const parsed = JSON.parse(text) as { note?: unknown };
    if (parsed && typeof parsed.note === "string") return parsed.note;
  } catch {
    // a note, not JSON
  }
  return text;
}

/** The PEM public key of one of Vigil's C2SP verifier keys (`vigil+<key hash>+<base64(0x01 ‖ key)>`). */
export function publicKeyOfVerifierKey(vk: string): string | undefined {
  const key = parseVerifierKey(vk, 1);
  return key && key.name === KEY_NAME ? key.publicKey.export({ type: "spki", format: "pem" }).toString() : undefined;
}

export interface KeptCheck {
  problems: string[];
  /** What was proven, in words, when it held. */
  proven?: string;
}

export interface KeptInput {
  note: string;
  /** PEM keys the kept head may be signed by. */
  trusted: string[];
  statement: ExportStatement;
  /** The export's events (seq, leaf hash), in file order. */
  leaves: Array<[number, Hash]>;
  /** Fetches the consistency proof between two sizes (hex hashes), when the file can't give it. */
  consistency?: (from: number, to: number) => Promise<string[]>;
}

export async function checkAgainstKept(k: KeptInput): Promise<KeptCheck> {
  const opened = k.trusted.map((pem) => openNote(k.note, pem)).find((o) => o !== undefined);
  if (!opened) return { problems: [`the kept checkpoint is not signed by ${k.trusted.length === 1 ? "the key" : "any of the keys"} ${k.trusted.map(verifierKey).join(", ")}`] };
  const kept = parseCheckpointBody(opened.body);
  if (!kept) return { problems: ["the kept checkpoint is not a tree head"] };
  const s = k.statement;
  if (kept.origin !== `vigil/orgs/${s.org_id}`) return { problems: [`the kept checkpoint is the log ${kept.origin}, the export org ${s.org_id}'s`] };
  const keptRoot = Buffer.from(kept.rootHash, "hex");
  const exportRoot = Buffer.from(s.root_hash, "hex");
  const said = `consistent with the kept checkpoint of size ${kept.size} (root ${kept.rootHash})`;
  if (kept.size === s.tree_size) {
    return keptRoot.equals(exportRoot)
      ? { problems: [], proven: `${said}: the same tree head` }
      : { problems: [`the kept checkpoint and the export's head both have size ${kept.size} but different roots: the log was rewritten`] };
  }
  const [m, n, rootM, rootN] = kept.size < s.tree_size ? [kept.size, s.tree_size, keptRoot, exportRoot] : [s.tree_size, kept.size, exportRoot, keptRoot];
  if (m === 0) return { problems: [], proven: `${said}: an empty tree is a prefix of every tree` };
  // An export of everything from seq 1 holds the leaves of the smaller tree.
  const whole = s.unfiltered && k.leaves.length >= m && k.leaves.slice(0, m).every(([seq], i) => seq === i + 1);
  if (whole && kept.size < s.tree_size) {
    const root = await treeRoot(memoryNodes(k.leaves.slice(0, m).map(([, h]) => h)), m);
    return root.equals(keptRoot)
      ? { problems: [], proven: `${said}: the export's first ${m} events rebuild it` }
      : { problems: [`the export's first ${m} events don't rebuild the kept checkpoint's root: the log was rewritten since it was kept`] };
  }
  if (!k.consistency) {
    return { problems: [`the kept checkpoint has size ${kept.size} and the export's head ${s.tree_size}: a consistency proof is needed; pass --api URL (with VIGIL_API_KEY) to fetch it from Vigil`] };
  }
  let proof: string[];
  try {
    proof = await k.consistency(m, n);
  } catch (err) {
    return { problems: [`can't fetch the consistency proof from size ${m} to ${n}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return verifyConsistency(m, n, rootM, rootN, proof.map((h) => Buffer.from(h, "hex")))
    ? { problems: [], proven: `${said}: proven by the consistency proof from size ${m} to ${n}` }
    : { problems: [`the tree of size ${m} is not a prefix of the tree of size ${n}: the log was rewritten between the two heads`] };
}

/** GET /api/v1/chain/consistency of a Vigil at `api`, with the API key in VIGIL_API_KEY. */
export function consistencyFrom(api: string, key: string | undefined): (from: number, to: number) => Promise<string[]> {
  return async (from, to) => {
    if (!key) throw new KeptHeadError("set VIGIL_API_KEY to an API key with events:read to fetch it");
    const url = new URL(`/api/v1/chain/consistency?from=${from}&to=${to}`, api);
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, redirect: "error", signal: AbortSignal.timeout(30_000) });
    const body = (await res.json().catch(() => ({}))) as { proof?: unknown; error?: { message?: string } };
    if (!res.ok) throw new KeptHeadError(`${url.origin} answered ${res.status}${body.error?.message ? `: ${body.error.message}` : ""}`);
    if (!Array.isArray(body.proof) || !body.proof.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h))) throw new KeptHeadError("the answer holds no proof");
    return body.proof as string[];
  };
}
