import crypto from "node:crypto";
import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { env } from "@/lib/env";
import { invalid } from "@/lib/errors";
import { sendOutbound, targetProblem } from "@/lib/net/outbound";
import { raiseIntegrityAlert } from "@/lib/integrity/integrity-alert";
import { consistencyAt } from "@/lib/integrity/tree";
import { c2spKeyId, parseVerifierKey } from "@/lib/integrity/checkpoints";

/**
 * Witnesses over HTTP, as C2SP tlog-witness defines them (c2sp.org/tlog-witness): every new
 * signed tree head is POSTed to `<submission prefix>/add-checkpoint` of each witness, with
 * the consistency proof from the size that witness last cosigned:
 *
 *   old <size>\n  <proof hash, base64>\n …  \n  <the checkpoint's signed note>
 *
 * A witness checks Vigil's signature and the proof against its own record of the log, and
 * answers its cosignature (c2sp.org/tlog-cosignature: `— <name> base64(key id ‖ time ‖
 * Ed25519 signature over "cosignature/v1\ntime <t>\n" ‖ checkpoint)`), which is kept in
 * `cosignatures` and listed with the checkpoint. A witness that answers 409 with another
 * size is sent the proof from that size once; one that still refuses it (409, 422) holds a
 * head the log no longer extends — its history was rewritten or cut — and the org's
 * critical chain_integrity alert is raised. A witness that is down or slow delays nothing:
 * heads are sent in the background, and the verify job sends the latest head again to each
 * witness behind it.
 *
 * Witnesses are configured with VIGIL_WITNESS_URLS (every org's heads): comma-separated
 * entries, each the submission prefix and, after a space, the witness's C2SP verifier key
 * (`<name>+<key hash>+base64(0x04 ‖ Ed25519 key)`) — without a key, cosignatures are not
 * checked or kept, but refusals still raise the alert — and by each org in Settings →
 * Witnesses (org_witnesses, its own heads only). Targets go through the outbound guard
 * (lib/net/outbound.ts), when added and on every connection.
 */

export interface Witness {
  /** The submission prefix, as configured. */
  url: string;
  /** The cosigner name and Ed25519 public key of its verifier key, when one was given. */
  name?: string;
  publicKey?: crypto.KeyObject;
  keyId?: Buffer;
}

export class WitnessConfigError extends Error {}

/** The key id of an Ed25519 cosigner: SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]. */
export const cosignerKeyId = (name: string, rawPublicKey: Buffer): Buffer => c2spKeyId(name, 4, rawPublicKey);

function parseCosignerKey(vk: string): { name: string; publicKey: crypto.KeyObject; keyId: Buffer } {
  const key = parseVerifierKey(vk, 4);
  if (!key) throw new WitnessConfigError(`'${vk}' is not a C2SP Ed25519 cosigner verifier key (name+hash+base64(0x04 ‖ key)), or its key hash does not match its key`);
  return key;
}

/** VIGIL_WITNESS_URLS, parsed. */
export function configuredWitnesses(value = env().VIGIL_WITNESS_URLS): Witness[] {
  if (!value?.trim()) return [];
  return value.split(",").map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const [url, vk, ...more] = entry.split(/\s+/);
    if (more.length > 0 || !url || !/^https?:\/\//i.test(url)) throw new WitnessConfigError(`VIGIL_WITNESS_URLS entry '${entry}' is not 'URL [VERIFIER_KEY]'`);
    return { url: url.replace(/\/+$/, ""), ...(vk ? parseCosignerKey(vk) : {}) };
  });
}

export interface OrgWitness {
  id: string;
  url: string;
  verifier_key: string | null;
  created_at: string;
  created_by: string | null;
}

export async function listOrgWitnesses(orgId: string): Promise<OrgWitness[]> {
  const { rows } = await pool().query<Omit<OrgWitness, "created_at"> & { created_at: Date }>(
    "select id, url, verifier_key, created_at, created_by from org_witnesses where org_id = $1 order by created_at, id",
    [orgId],
  );
  return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
}

/** The witnesses of an org's heads: VIGIL_WITNESS_URLS, then the org's own. */
export async function witnessesOf(orgId: string): Promise<Witness[]> {
  const all = configuredWitnesses();
  for (const w of await listOrgWitnesses(orgId)) {
    if (all.some((a) => a.url === w.url)) continue;
    all.push({ url: w.url, ...(w.verifier_key ? parseCosignerKey(w.verifier_key) : {}) });
  }
  return all;
}

/** Adds a witness of the org's heads, in the caller's transaction; names the field that is wrong. */
export async function addOrgWitness(client: pg.PoolClient, orgId: string, input: { url: string; verifierKey?: string; createdBy: string | null }): Promise<OrgWitness> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid("the witness URL is not a URL", { url: "enter the witness's submission URL, such as https://witness.example.com/" });
  }
  const problem = targetProblem(url);
  if (problem) throw invalid("the witness URL can't be reached", { url: problem });
  const key = input.verifierKey?.trim() || null;
  if (key) {
    try {
      parseCosignerKey(key);
    } catch (err) {
      throw invalid("the verifier key is not a witness key", { verifierKey: (err as Error).message });
    }
  }
  const normalized = url.toString().replace(/\/+$/, "");
  const { rows } = await client.query<Omit<OrgWitness, "created_at"> & { created_at: Date }>(
    `insert into org_witnesses (id, org_id, url, verifier_key, created_by) values ($1, $2, $3, $4, $5)
     on conflict (org_id, url) do nothing
     returning id, url, verifier_key, created_at, created_by`,
    [uuidv7(), orgId, normalized, key, input.createdBy],
  );
  if (!rows[0]) throw invalid("that witness is already there", { url: "this org already sends its heads to that URL" });
  return { ...rows[0], created_at: rows[0].created_at.toISOString() };
}

export async function removeOrgWitness(client: pg.PoolClient, orgId: string, id: string): Promise<OrgWitness | undefined> {
  const { rows } = await client.query<Omit<OrgWitness, "created_at"> & { created_at: Date }>(
    "delete from org_witnesses where org_id = $1 and id = $2 returning id, url, verifier_key, created_at, created_by",
    [orgId, id],
  );
  return rows[0] ? { ...rows[0], created_at: rows[0].created_at.toISOString() } : undefined;
}

/** The cosignature lines of `answer` made by this witness's key over `body` (the checkpoint's signed text). */
export function validCosignatures(w: Witness, body: string, answer: string): string[] {
  if (!w.name || !w.publicKey || !w.keyId) return [];
  const valid: string[] = [];
  for (const line of answer.split("\n")) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1] !== w.name) continue;
    const raw = Buffer.from(m[2]!, "base64");
    if (raw.length !== 4 + 8 + 64 || !raw.subarray(0, 4).equals(w.keyId)) continue;
    const time = raw.readBigUInt64BE(4);
    const message = `cosignature/v1\ntime ${time}\n${body}`;
    if (crypto.verify(null, Buffer.from(message), w.publicKey, raw.subarray(12))) valid.push(line);
  }
  return valid;
}

export interface SignedHead {
  id: string;
  orgId: string;
  seq: number;
  rootHash: string;
  note: string;
}

export type WitnessOutcome =
  | { status: "cosigned"; cosignatures: string[] }
  | { status: "refused"; reason: string }
  | { status: "unreachable"; reason: string };

const noteBody = (note: string) => note.slice(0, note.lastIndexOf("\n\n") + 1);

async function recordState(orgId: string, witness: string, head: SignedHead | null, error: string | null): Promise<void> {
  if (head) {
    await pool().query(
      `insert into witness_heads (org_id, witness, size, root_hash, checkpoint_id, last_error, failures) values ($1, $2, $3, $4, $5, null, 0)
       on conflict (org_id, witness) do update set size = excluded.size, root_hash = excluded.root_hash, checkpoint_id = excluded.checkpoint_id,
         updated_at = now(), last_error = null, failures = 0`,
      [orgId, witness, head.seq, Buffer.from(head.rootHash, "hex"), head.id],
    );
  } else {
    await pool().query(
      `insert into witness_heads (org_id, witness, last_error, failures) values ($1, $2, $3, 1)
       on conflict (org_id, witness) do update set updated_at = now(), last_error = excluded.last_error, failures = witness_heads.failures + 1`,
      [orgId, witness, error],
    );
  }
}

/** What this Vigil last heard each witness cosign for the org (0 when none). */
async function witnessedSize(orgId: string, witness: string): Promise<number> {
  const { rows } = await pool().query<{ size: string }>("select size from witness_heads where org_id = $1 and witness = $2", [orgId, witness]);
  return Number(rows[0]?.size ?? 0);
}

/** Sends one signed head to one witness (tlog-witness add-checkpoint); never throws for the witness's behaviour. */
export async function submitHead(w: Witness, head: SignedHead): Promise<WitnessOutcome> {
  let old = await witnessedSize(head.orgId, w.url);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (old > head.seq) {
      return refuse(w, head, `the witness ${w.url} cosigned a head of size ${old}, larger than the log's ${head.seq}: events were removed`);
    }
    const proof = old > 0 && old < head.seq ? await consistencyAt(pool(), head.orgId, old, head.seq) : [];
    const body = `old ${old}\n${proof.map((h) => h.toString("base64") + "\n").join("")}\n${head.note}`;
    const r = await sendOutbound(`${w.url}/add-checkpoint`, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8" }, body, maxBody: 16_384, timeoutMs: 10_000 });
    if (r.ok) {
      const lines = validCosignatures(w, noteBody(head.note), r.body ?? "");
      if (w.publicKey && lines.length === 0) {
        await recordState(head.orgId, w.url, null, "the witness answered without a valid cosignature by its key");
        return { status: "unreachable", reason: "no valid cosignature in the answer" };
      }
      await recordState(head.orgId, w.url, head, null);
      for (const line of lines) {
        await pool().query(
          "insert into cosignatures (checkpoint_id, org_id, witness, line) values ($1, $2, $3, $4) on conflict (checkpoint_id, witness) do update set line = excluded.line",
          [head.id, head.orgId, w.url, line],
        );
      }
      return { status: "cosigned", cosignatures: lines };
    }
    if (r.status === 409) {
      const size = /^(\d+)\n?$/.exec(r.body ?? "")?.[1];
      // The witness's record is another size: prove consistency from that one, once.
      if (size !== undefined && Number(size) !== old && attempt === 0) {
        old = Number(size);
        continue;
      }
      return refuse(w, head, `the witness ${w.url} holds a head of size ${size ?? old} that the log's head of size ${head.seq} does not extend: its history was rewritten`);
    }
    if (r.status === 422) return refuse(w, head, `the witness ${w.url} refused the consistency proof from size ${old} to ${head.seq}: the log's history was rewritten since it was witnessed`);
    const reason = r.status === 403 ? "the witness does not trust Vigil's signing key for this log"
      : r.status === 404 ? "the witness does not know this log (its origin)"
      : r.ok === false ? r.reason : "unexpected answer";
    await recordState(head.orgId, w.url, null, reason);
    return { status: "unreachable", reason };
  }
  return { status: "unreachable", reason: "unexpected answer" };
}

async function refuse(w: Witness, head: SignedHead, reason: string): Promise<WitnessOutcome> {
  await recordState(head.orgId, w.url, null, reason);
  await raiseIntegrityAlert(head.orgId, { first_bad_seq: null, problems: [reason] }, `A witness refused the signed head of size ${head.seq}: ${reason}`);
  return { status: "refused", reason };
}

/** Sends a head to every configured witness, one after another. */
export async function submitToWitnesses(head: SignedHead, witnesses: Witness[]): Promise<WitnessOutcome[]> {
  const outcomes: WitnessOutcome[] = [];
  for (const w of witnesses) {
    try {
      outcomes.push(await submitHead(w, head));
    } catch (err) {
      console.error(`[vigil] org ${head.orgId}: the head of size ${head.seq} could not be sent to the witness ${w.url}: ${(err as Error).message}`);
      outcomes.push({ status: "unreachable", reason: "error" });
    }
  }
  return outcomes;
}

const inFlight = new Set<Promise<unknown>>();

/** Sends a new head to the witnesses in the background: signing never waits for them. */
export function witnessInBackground(head: SignedHead): void {
  const p = (async () => {
    let witnesses: Witness[];
    try {
      witnesses = await witnessesOf(head.orgId);
    } catch (err) {
      console.error(`[vigil] org ${head.orgId}: its witnesses can't be read: ${(err as Error).message}`);
      return;
    }
    await submitToWitnesses(head, witnesses);
  })().finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** Waits for the heads being sent in the background (tests, shutdown). */
export async function witnessesSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/** The verify job's retry: the latest signed head to each witness that hasn't cosigned it. */
export async function catchUpWitnesses(orgId: string): Promise<WitnessOutcome[]> {
  let witnesses: Witness[];
  try {
    witnesses = await witnessesOf(orgId);
  } catch (err) {
    // A bad VIGIL_WITNESS_URLS is said in the log; verification itself goes on.
    console.error(`[vigil] org ${orgId}: its witnesses can't be read: ${(err as Error).message}`);
    return [];
  }
  if (witnesses.length === 0) return [];
  const { rows } = await pool().query<{ id: string; seq: string; root_hash: string; note: string }>(
    "select id, seq, root_hash, note from checkpoints where org_id = $1 and note is not null order by seq desc, signed_at desc limit 1",
    [orgId],
  );
  const cp = rows[0];
  if (!cp) return [];
  const head: SignedHead = { id: cp.id, orgId, seq: Number(cp.seq), rootHash: cp.root_hash, note: cp.note };
  const behind: Witness[] = [];
  for (const w of witnesses) {
    const state = await pool().query<{ checkpoint_id: string | null }>("select checkpoint_id from witness_heads where org_id = $1 and witness = $2", [orgId, w.url]);
    if (state.rows[0]?.checkpoint_id !== cp.id) behind.push(w);
  }
  return submitToWitnesses(head, behind);
}

/** Each witness's record for the org, for the console and the checkpoints API. */
export async function witnessStates(orgId: string): Promise<Array<{ witness: string; size: number; updated_at: string; last_error: string | null; failures: number }>> {
  const { rows } = await pool().query<{ witness: string; size: string; updated_at: Date; last_error: string | null; failures: number }>(
    "select witness, size, updated_at, last_error, failures from witness_heads where org_id = $1 order by witness",
    [orgId],
  );
  return rows.map((r) => ({ witness: r.witness, size: Number(r.size), updated_at: r.updated_at.toISOString(), last_error: r.last_error, failures: r.failures }));
}
