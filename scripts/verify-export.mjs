#!/usr/bin/env node
// An auditor's check of a Vigil NDJSON export, with nothing but Node (docs/integrity.md,
// "Checking an export without Vigil"). Usage: node verify-export.mjs FILE
import crypto from "node:crypto";
import fs from "node:fs";

const sha = (...parts) => parts.reduce((h, p) => h.update(p), crypto.createHash("sha256")).digest();
const jcs = (v) => (v === null || typeof v !== "object" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(jcs).join(",")}]`
  : `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(",")}}`);
const fail = (why) => { console.log(`FAILED: ${why}`); process.exit(2); };

const lines = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const proof = lines.pop()?.vigil_export_proof;
if (!proof?.statement) fail("the file does not end with a proof line");
const { statement: s, checkpoint: cp } = proof;

// 1. Each event: content hash, link to the previous one (when it is in the file), leaf hash.
const leaves = new Map();
let prev;
for (const e of lines) {
  const content = Object.fromEntries(Object.entries(e).filter(([k]) => !["received_at", "content_hash", "prev_hash", "hash", "redacted", "chain"].includes(k)));
  if (sha(jcs(content)).toString("hex") !== e.content_hash) fail(`content does not match content_hash at seq ${e.seq}`);
  if (sha(e.prev_hash + e.content_hash).toString("hex") !== e.hash) fail(`hash is not sha256(prev_hash ‖ content_hash) at seq ${e.seq}`);
  if (prev && e.seq <= prev.seq) fail(`seq ${e.seq} follows ${prev.seq}`);
  if (prev && e.seq === prev.seq + 1 && e.prev_hash !== prev.hash) fail(`seq ${e.seq} does not link to seq ${prev.seq}`);
  if (e.org_id !== s.org_id) fail(`seq ${e.seq} is not org ${s.org_id}'s`);
  leaves.set(e.seq - 1, sha(Buffer.of(0), Buffer.from(e.hash, "hex")));
  prev = e;
}
if (lines.length !== s.count || (lines[0]?.seq ?? null) !== s.from_seq || (prev?.seq ?? null) !== s.to_seq) {
  fail(`the statement says ${s.count} event(s), seq ${s.from_seq}..${s.to_seq}; the file holds ${lines.length}, seq ${lines[0]?.seq}..${prev?.seq}`);
}

// 2. The statement and the tree head are signed by the key (compare it with the org's published keys).
const key = crypto.createPublicKey(cp.public_key);
if (!crypto.verify(null, Buffer.from(jcs(s)), key, Buffer.from(proof.signature, "base64"))) fail("the statement's signature does not verify");
const cut = cp.note.lastIndexOf("\n\n");
const body = cp.note.slice(0, cut + 1);
const raw = key.export({ format: "der", type: "spki" }).subarray(-32);
const keyHash = sha("vigil\n", Buffer.of(1), raw).subarray(0, 4);
const sig = Buffer.from(cp.note.slice(cut + 2).match(/^\u2014 vigil (\S+)\n/)?.[1] ?? "", "base64");
if (!sig.subarray(0, 4).equals(keyHash) || !crypto.verify(null, Buffer.from(body), key, sig.subarray(4))) fail("the checkpoint's signature does not verify");
const [origin, size, root] = body.split("\n");
if (origin !== `vigil/orgs/${s.org_id}` || Number(size) !== s.tree_size || Buffer.from(root, "base64").toString("hex") !== s.root_hash) fail("the checkpoint is not the statement's tree head");

// 3. The events and the proof's hashes rebuild the signed root (RFC 6962: split at the largest power of two below n).
const hashes = proof.proof.map((h) => Buffer.from(h, "hex"));
const known = [...leaves.keys()]; // ascending
const holds = (lo, hi) => { let a = 0, b = known.length; while (a < b) { const m = (a + b) >> 1; if (known[m] < lo) a = m + 1; else b = m; } return known[a] < hi; };
const build = (lo, hi) => {
  if (!holds(lo, hi)) return hashes.shift() ?? fail("the proof has too few hashes");
  if (hi - lo === 1) return leaves.get(lo);
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return sha(Buffer.of(1), build(lo, lo + k), build(lo + k, hi));
};
const rebuilt = s.tree_size === 0 ? sha("") : build(0, s.tree_size);
if (hashes.length > 0 || rebuilt.toString("hex") !== s.root_hash) fail("the events do not rebuild the signed tree root");
console.log(`OK: ${s.count} event(s) proven in org ${s.org_id}'s log of size ${s.tree_size} (root ${s.root_hash}, key ${keyHash.toString("hex")})`);
