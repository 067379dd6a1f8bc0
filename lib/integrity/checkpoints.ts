import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { env } from "@/lib/env";
import { canonicalJson } from "@/lib/integrity/chain";

/**
 * Signed checkpoints: an Ed25519 signature over an org's chain head, so that truncating
 * the newest events, or rewriting the whole chain, is detectable by anyone holding the
 * public key. The signing key lives outside the events table: in VIGIL_SIGNING_KEY when
 * set, else made on first start and kept in signing_keys.
 */

export interface SigningKeyPair {
  id: string;
  publicKeyPem: string;
  privateKey: crypto.KeyObject;
}

let cachedKey: SigningKeyPair | undefined;

function keyId(publicKeyPem: string): string {
  return "ed25519:" + crypto.createHash("sha256").update(publicKeyPem).digest("hex").slice(0, 16);
}

export async function signingKey(): Promise<SigningKeyPair> {
  if (cachedKey) return cachedKey;
  const configured = env().VIGIL_SIGNING_KEY;
  if (configured) {
    const privateKey = crypto.createPrivateKey(configured.replace(/\\n/g, "\n"));
    const publicKeyPem = crypto.createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
    const id = keyId(publicKeyPem);
    await pool().query(
      "insert into signing_keys (id, public_key, private_key) values ($1, $2, '(from VIGIL_SIGNING_KEY)') on conflict do nothing",
      [id, publicKeyPem],
    );
    cachedKey = { id, publicKeyPem, privateKey };
    return cachedKey;
  }
  const existing = await pool().query<{ id: string; public_key: string; private_key: string }>(
    "select id, public_key, private_key from signing_keys where private_key like '-----BEGIN%' order by created_at desc limit 1",
  );
  let row = existing.rows[0];
  if (!row) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const id = keyId(publicKeyPem);
    await pool().query("insert into signing_keys (id, public_key, private_key) values ($1, $2, $3) on conflict do nothing", [id, publicKeyPem, privateKeyPem]);
    row = (await pool().query<{ id: string; public_key: string; private_key: string }>(
      "select id, public_key, private_key from signing_keys where private_key like '-----BEGIN%' order by created_at desc limit 1",
    )).rows[0]!;
  }
  cachedKey = { id: row.id, publicKeyPem: row.public_key, privateKey: crypto.createPrivateKey(row.private_key) };
  return cachedKey;
}

/** The exact bytes a checkpoint signature covers. */
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
}

export interface CheckpointJson {
  id: string;
  org_id: string;
  seq: number;
  hash: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

export function checkpointToJson(c: Checkpoint): CheckpointJson {
  return { id: c.id, org_id: c.orgId, seq: c.seq, hash: c.hash, signed_at: c.signedAt.toISOString(), key_id: c.keyId, signature: c.signature };
}

/**
 * Signs the org's current head and stores the checkpoint. `at` signs a head the caller has
 * just verified instead (the verify job), so nothing unverified is ever signed.
 */
export async function takeCheckpoint(orgId: string, at?: { seq: number; hash: string }): Promise<Checkpoint> {
  const key = await signingKey();
  const head = at ? { rows: [at] } : await pool().query<{ seq: number; hash: string }>("select seq, hash from chain_heads where org_id = $1", [orgId]);
  const seq = head.rows[0]?.seq ?? 0;
  const hash = head.rows[0]?.hash ?? "0".repeat(64);
  const signedAt = new Date(Math.floor(Date.now()));
  const message = checkpointMessage({ org_id: orgId, seq, hash, signed_at: signedAt.toISOString() });
  const signature = crypto.sign(null, Buffer.from(message), key.privateKey).toString("base64");
  const id = uuidv7();
  await pool().query(
    "insert into checkpoints (id, org_id, seq, hash, signed_at, key_id, signature) values ($1, $2, $3, $4, $5, $6, $7)",
    [id, orgId, seq, hash, signedAt, key.id, signature],
  );
  return { id, orgId, seq, hash, signedAt, keyId: key.id, signature };
}

interface CheckpointRow {
  id: string;
  org_id: string;
  seq: number;
  hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
}

const fromRow = (r: CheckpointRow): Checkpoint => ({
  id: r.id, orgId: r.org_id, seq: Number(r.seq), hash: r.hash, signedAt: r.signed_at, keyId: r.key_id, signature: r.signature,
});

export async function listCheckpoints(orgId: string, limit = 100): Promise<Checkpoint[]> {
  const { rows } = await pool().query<CheckpointRow>(
    "select id, org_id, seq, hash, signed_at, key_id, signature from checkpoints where org_id = $1 order by seq desc, signed_at desc limit $2",
    [orgId, limit],
  );
  return rows.map(fromRow);
}

export async function latestCheckpoint(orgId: string): Promise<Checkpoint | undefined> {
  return (await listCheckpoints(orgId, 1))[0];
}

export async function publicKeys(): Promise<Array<{ id: string; public_key: string }>> {
  await signingKey();
  const { rows } = await pool().query<{ id: string; public_key: string }>("select id, public_key from signing_keys order by created_at");
  return rows;
}

/** Checks a checkpoint against a public key (PEM), with no database: what an auditor runs. */
export function verifyCheckpointSignature(c: CheckpointJson, publicKeyPem: string): boolean {
  const message = checkpointMessage(c);
  return crypto.verify(null, Buffer.from(message), crypto.createPublicKey(publicKeyPem), Buffer.from(c.signature, "base64"));
}
