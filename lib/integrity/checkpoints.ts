import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { env } from "@/lib/env";
import { canonicalJson } from "@/lib/integrity/chain";
import { rootAt } from "@/lib/integrity/tree";
import { inconsistencyWithWitness, witnessHead } from "@/lib/integrity/witness";
import { witnessInBackground } from "@/lib/integrity/http-witness";

/**
 * Signed tree heads ("checkpoints"). Each signs an org's Merkle tree size and root hash
 * and its chain head, as a C2SP tlog-checkpoint inside a C2SP signed note, so a generic
 * checkpoint verifier (Go's sumdb/note, sigsum, transparency-dev tools) checks it with
 * the verifier key listed at GET /api/v1/chain/checkpoints:
 *
 *   vigil/orgs/<org id>                   origin: one log per org
 *   <tree size>                           = the chain head's seq
 *   <root hash, base64>
 *   chain-head <chain hash, hex>          extension lines, ignored by generic verifiers
 *   signed-at <ISO 8601 time>
 *
 *   — vigil <base64(key id (4 bytes) ‖ Ed25519 signature over the lines above)>
 *
 * The key id is SHA-256("vigil" ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. Keys live outside the
 * events table: VIGIL_SIGNING_KEY when set, else made on first use and kept in
 * signing_keys; `vigil keys rotate` makes a new one, and every key stays listed so each
 * checkpoint verifies with the key that signed it. Checkpoints from before the tree have
 * no note and verify under their rule: Ed25519 over the RFC 8785 JSON of
 * { org_id, seq, hash, signed_at }.
 */

/** The key name in every signature line and verifier key. */
export const KEY_NAME = "vigil";

export interface SigningKeyPair {
  id: string;
  publicKeyPem: string;
  privateKey: crypto.KeyObject;
}

function keyId(publicKeyPem: string): string {
  return "ed25519:" + crypto.createHash("sha256").update(publicKeyPem).digest("hex").slice(0, 16);
}

const rawPublicKey = (publicKeyPem: string) => crypto.createPublicKey(publicKeyPem).export({ format: "der", type: "spki" }).subarray(-32);

/** A C2SP key id: SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4] (type 0x01: a note signer, 0x04: a cosigner). */
export function c2spKeyId(name: string, type: number, rawKey: Buffer): Buffer {
  return crypto.createHash("sha256").update(name + "\n").update(Buffer.of(type)).update(rawKey).digest().subarray(0, 4);
}

/** The C2SP key id of Vigil's note signatures. */
export function noteKeyHash(publicKeyPem: string): Buffer {
  return c2spKeyId(KEY_NAME, 1, rawPublicKey(publicKeyPem));
}

/**
 * A C2SP verifier key `<name>+<key id, hex>+<base64(type ‖ Ed25519 key)>` of this signature
 * type, its key id checked; undefined when it is not one.
 */
export function parseVerifierKey(vk: string, type: number): { name: string; keyId: Buffer; publicKey: crypto.KeyObject } | undefined {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vk.trim());
  const raw = m ? Buffer.from(m[3]!, "base64") : Buffer.alloc(0);
  if (!m || raw.length !== 33 || raw[0] !== type) return undefined;
  const keyId = c2spKeyId(m[1]!, type, raw.subarray(1));
  if (keyId.toString("hex") !== m[2]) return undefined;
  try {
    const publicKey = crypto.createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw.subarray(1)]), format: "der", type: "spki" });
    return { name: m[1]!, keyId, publicKey };
  } catch {
    return undefined;
  }
}

/** The C2SP verifier key: <name>+<key id, hex>+<base64(0x01 ‖ public key)>. */
export function verifierKey(publicKeyPem: string): string {
  return `${KEY_NAME}+${noteKeyHash(publicKeyPem).toString("hex")}+${Buffer.concat([Buffer.of(1), rawPublicKey(publicKeyPem)]).toString("base64")}`;
}

const keyCache = new Map<string, SigningKeyPair>();

interface KeyRow {
  id: string;
  public_key: string;
  private_key: string;
}

const LATEST_KEY = "select id, public_key, private_key from signing_keys where private_key like '-----BEGIN%' order by created_at desc, id desc limit 1";

/**
 * The key new checkpoints are signed with: the configured one, else the newest kept one
 * (read each time, so a rotation by another process is picked up at once).
 */
export async function signingKey(): Promise<SigningKeyPair> {
  const configured = env().VIGIL_SIGNING_KEY;
  if (configured) {
    const cached = keyCache.get("env");
    if (cached) return cached;
    const privateKey = crypto.createPrivateKey(configured.replace(/\\n/g, "\n"));
    const publicKeyPem = crypto.createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
    const id = keyId(publicKeyPem);
    await pool().query(
      "insert into signing_keys (id, public_key, private_key) values ($1, $2, '(from VIGIL_SIGNING_KEY)') on conflict do nothing",
      [id, publicKeyPem],
    );
    const pair = { id, publicKeyPem, privateKey };
    keyCache.set("env", pair);
    return pair;
  }
  const row = (await pool().query<KeyRow>(LATEST_KEY)).rows[0] ?? (await newSigningKey());
  let pair = keyCache.get(row.id);
  if (!pair) {
    pair = { id: row.id, publicKeyPem: row.public_key, privateKey: crypto.createPrivateKey(row.private_key) };
    keyCache.set(row.id, pair);
  }
  return pair;
}

/** The key pair with this id, when its private half is here (kept, or VIGIL_SIGNING_KEY). */
export async function keyFor(id: string): Promise<SigningKeyPair | undefined> {
  const current = await signingKey();
  if (current.id === id) return current;
  const cached = keyCache.get(id);
  if (cached) return cached;
  const row = (await pool().query<KeyRow>("select id, public_key, private_key from signing_keys where id = $1 and private_key like '-----BEGIN%'", [id])).rows[0];
  if (!row) return undefined;
  const pair = { id: row.id, publicKeyPem: row.public_key, privateKey: crypto.createPrivateKey(row.private_key) };
  keyCache.set(row.id, pair);
  return pair;
}

export class RotationRefused extends Error {}

async function newSigningKey(): Promise<KeyRow> {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const id = keyId(publicKeyPem);
  await pool().query("insert into signing_keys (id, public_key, private_key) values ($1, $2, $3) on conflict do nothing", [id, publicKeyPem, privateKeyPem]);
  return (await pool().query<KeyRow>(LATEST_KEY)).rows[0]!;
}

/**
 * `vigil keys rotate`: a new signing key for the checkpoints from now on. The old keys stay
 * listed (their checkpoints keep verifying); their private halves are no longer used.
 */
export async function rotateSigningKey(): Promise<{ id: string; verifierKey: string }> {
  if (env().VIGIL_SIGNING_KEY) throw new RotationRefused("the signing key comes from VIGIL_SIGNING_KEY: put the new key there and restart to rotate");
  const row = await newSigningKey();
  return { id: row.id, verifierKey: verifierKey(row.public_key) };
}

export const checkpointOrigin = (orgId: string) => `vigil/orgs/${orgId}`;

/** The signed part of a checkpoint's note (every line ends in a newline). */
export function checkpointBody(c: { org_id: string; seq: number; root_hash: string; hash: string; signed_at: string }): string {
  return `${checkpointOrigin(c.org_id)}\n${c.seq}\n${Buffer.from(c.root_hash, "hex").toString("base64")}\nchain-head ${c.hash}\nsigned-at ${c.signed_at}\n`;
}

/** The exact bytes a checkpoint signature from before the tree covers. */
export function checkpointMessage(c: { org_id: string; seq: number; hash: string; signed_at: string }): string {
  return canonicalJson({ org_id: c.org_id, seq: c.seq, hash: c.hash, signed_at: c.signed_at });
}

export interface Checkpoint {
  id: string;
  orgId: string;
  seq: number;
  hash: string;
  signedAt: Date;
  keyId: string;
  signature: string;
  /** The tree's root at size seq (hex); null for a checkpoint from before the tree. */
  rootHash: string | null;
  /** The C2SP signed note; null for a checkpoint from before the tree. */
  note: string | null;
}

export interface CheckpointJson {
  id: string;
  org_id: string;
  /** The tree size: the chain head's seq. */
  seq: number;
  /** The chain head's hash. */
  hash: string;
  root_hash: string | null;
  signed_at: string;
  key_id: string;
  signature: string;
  note: string | null;
}

export function checkpointToJson(c: Checkpoint): CheckpointJson {
  return {
    id: c.id, org_id: c.orgId, seq: c.seq, hash: c.hash, root_hash: c.rootHash, signed_at: c.signedAt.toISOString(), key_id: c.keyId,
    signature: c.signature, note: c.note,
  };
}

/**
 * Signs the org's current head and tree and stores the checkpoint. `at` signs a head the
 * caller has just verified instead (the verify job), so nothing unverified is ever signed.
 */
export async function takeCheckpoint(orgId: string, at?: { seq: number; hash: string }): Promise<Checkpoint> {
  const key = await signingKey();
  const head = at ? { rows: [at] } : await pool().query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1", [orgId]);
  const seq = Number(head.rows[0]?.seq ?? 0);
  const hash = head.rows[0]?.hash ?? "0".repeat(64);
  const rewritten = await inconsistencyWithWitness(orgId, seq);
  if (rewritten) throw new HistoryRewritten(rewritten);
  const rootHash = (await rootAt(pool(), orgId, seq)).toString("hex");
  const signedAt = new Date();
  const body = checkpointBody({ org_id: orgId, seq, root_hash: rootHash, hash, signed_at: signedAt.toISOString() });
  const sig = crypto.sign(null, Buffer.from(body), key.privateKey);
  const note = `${body}\n\u2014 ${KEY_NAME} ${Buffer.concat([noteKeyHash(key.publicKeyPem), sig]).toString("base64")}\n`;
  const signature = sig.toString("base64");
  const id = uuidv7();
  await pool().query(
    "insert into checkpoints (id, org_id, seq, hash, signed_at, key_id, signature, root_hash, note) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [id, orgId, seq, hash, signedAt, key.id, signature, rootHash, note],
  );
  await witnessHead(orgId, seq, id, note);
  witnessInBackground({ id, orgId, seq, rootHash, note });
  return { id, orgId, seq, hash, signedAt, keyId: key.id, signature, rootHash, note };
}

/** A head that would contradict one kept outside the database: never signed. */
export class HistoryRewritten extends Error {}

interface CheckpointRow {
  id: string;
  org_id: string;
  seq: number;
  hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
  root_hash: string | null;
  note: string | null;
}

const fromRow = (r: CheckpointRow): Checkpoint => ({
  id: r.id, orgId: r.org_id, seq: Number(r.seq), hash: r.hash, signedAt: r.signed_at, keyId: r.key_id, signature: r.signature,
  rootHash: r.root_hash, note: r.note,
});

const CHECKPOINT_COLUMNS = "id, org_id, seq, hash, signed_at, key_id, signature, root_hash, note";

export async function listCheckpoints(orgId: string, limit = 100): Promise<Checkpoint[]> {
  const { rows } = await pool().query<CheckpointRow>(
    `select ${CHECKPOINT_COLUMNS} from checkpoints where org_id = $1 order by seq desc, signed_at desc limit $2`,
    [orgId, limit],
  );
  return rows.map(fromRow);
}

/** The newest signed tree head (with a note) of exactly this size, if any. */
export async function checkpointOfSize(orgId: string, size: number): Promise<Checkpoint | undefined> {
  const { rows } = await pool().query<CheckpointRow>(
    `select ${CHECKPOINT_COLUMNS} from checkpoints where org_id = $1 and seq = $2 and note is not null order by signed_at desc limit 1`,
    [orgId, size],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The witnesses' cosignature lines of these checkpoints, by checkpoint id. */
export async function cosignaturesOf(orgId: string, ids: string[]): Promise<Map<string, string[]>> {
  const { rows } = await pool().query<{ checkpoint_id: string; line: string }>(
    "select checkpoint_id, line from cosignatures where org_id = $1 and checkpoint_id = any($2::uuid[]) order by witness",
    [orgId, ids],
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.checkpoint_id, [...(out.get(r.checkpoint_id) ?? []), r.line]);
  return out;
}

export async function latestCheckpoint(orgId: string): Promise<Checkpoint | undefined> {
  return (await listCheckpoints(orgId, 1))[0];
}

/** Every key that signed or signs checkpoints, oldest first, with its C2SP verifier key. */
export async function publicKeys(): Promise<Array<{ id: string; public_key: string; verifier_key: string; created_at: string }>> {
  await signingKey();
  const { rows } = await pool().query<{ id: string; public_key: string; created_at: Date }>("select id, public_key, created_at from signing_keys order by created_at, id");
  return rows.map((r) => ({ id: r.id, public_key: r.public_key, verifier_key: verifierKey(r.public_key), created_at: r.created_at.toISOString() }));
}

/**
 * Checks a checkpoint against a public key (PEM), with no database: what an auditor runs.
 * A signed note must also say what the checkpoint's fields say.
 */
export function verifyCheckpointSignature(c: CheckpointJson, publicKeyPem: string): boolean {
  if (!c.note) {
    const message = checkpointMessage(c);
    return crypto.verify(null, Buffer.from(message), crypto.createPublicKey(publicKeyPem), Buffer.from(c.signature, "base64"));
  }
  const opened = openNote(c.note, publicKeyPem);
  if (!opened || opened.signature !== c.signature) return false;
  return c.root_hash !== null && opened.body === checkpointBody({ org_id: c.org_id, seq: c.seq, root_hash: c.root_hash, hash: c.hash, signed_at: c.signed_at });
}

/**
 * A C2SP signed note's text when one of its signature lines is this key's and verifies
 * (lines of other keys, such as a witness's cosignature, are skipped); else undefined.
 */
export function openNote(note: string, publicKeyPem: string): { body: string; signature: string } | undefined {
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0 || !note.endsWith("\n")) return undefined;
  const body = note.slice(0, cut + 1);
  const want = noteKeyHash(publicKeyPem);
  for (const line of note.slice(cut + 2, -1).split("\n")) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) return undefined;
    const raw = Buffer.from(m[2]!, "base64");
    if (m[1] !== KEY_NAME || raw.length !== 68 || !raw.subarray(0, 4).equals(want)) continue;
    const signature = raw.subarray(4);
    return crypto.verify(null, Buffer.from(body), crypto.createPublicKey(publicKeyPem), signature) ? { body, signature: signature.toString("base64") } : undefined;
  }
  return undefined;
}

/** The tree size, root and chain head a checkpoint body states. */
export function parseCheckpointBody(body: string): { origin: string; size: number; rootHash: string; chainHead?: string; signedAt?: string } | undefined {
  const lines = body.split("\n");
  if (lines.length < 4 || lines.at(-1) !== "") return undefined;
  const [origin, size, root] = lines;
  if (!origin || !/^\d+$/.test(size ?? "") || !root) return undefined;
  const rootBytes = Buffer.from(root, "base64");
  if (rootBytes.length !== 32 || rootBytes.toString("base64") !== root) return undefined;
  const ext = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1);
  return { origin, size: Number(size), rootHash: rootBytes.toString("hex"), chainHead: ext("chain-head"), signedAt: ext("signed-at") };
}
