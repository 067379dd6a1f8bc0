import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { archiveStore } from "@/lib/storage/archive-store";
import { verifyConsistency } from "@/lib/integrity/merkle";
import { consistencyAt, rootAt } from "@/lib/integrity/tree";
import { pool } from "@/lib/db/pool";

/**
 * Signed tree heads kept outside the database: each new one is written to the archive
 * store (`<org id>/checkpoint-<size>-<id>.note`, and `<org id>/checkpoint-latest.note`),
 * where whoever can rewrite the database can't reach. Before a new head is signed, the tree
 * must be consistent with the last head written there (RFC 6962 consistency): a history
 * rewritten in the database, however well re-hashed and re-signed, is not.
 *
 * A store that is down delays nothing: the head stays signed in the database, and the next
 * checkpoint writes the latest head again.
 */

const latestKey = (orgId: string) => `${orgId}/checkpoint-latest.note`;

export interface WitnessedHead {
  size: number;
  rootHash: string;
}

/** The last head written outside the database, or undefined (none yet, or the store can't be read). */
export async function lastWitnessedHead(orgId: string): Promise<WitnessedHead | undefined> {
  let note: Buffer | undefined;
  try {
    note = await archiveStore().read(latestKey(orgId));
  } catch (err) {
    console.error(`[vigil] the archive store can't be read for org ${orgId}'s witnessed head: ${(err as Error).message}`);
    return undefined;
  }
  if (!note) return undefined;
  const [, size, root] = note.toString("utf8").split("\n");
  const rootBytes = Buffer.from(root ?? "", "base64");
  if (!/^\d+$/.test(size ?? "") || rootBytes.length !== 32) return undefined;
  return { size: Number(size), rootHash: rootBytes.toString("hex") };
}

/** Why a tree of `size` can't be signed against the witnessed head, or null when it can. */
export async function inconsistencyWithWitness(orgId: string, size: number): Promise<string | null> {
  const witnessed = await lastWitnessedHead(orgId);
  if (!witnessed) return null;
  if (witnessed.size > size) return `the log has ${size} event(s), but a head of size ${witnessed.size} was signed and kept outside the database: events were removed`;
  const [proof, root] = await Promise.all([consistencyAt(pool(), orgId, witnessed.size, size), rootAt(pool(), orgId, size)]);
  const ok = witnessed.size === 0 || verifyConsistency(witnessed.size, size, Buffer.from(witnessed.rootHash, "hex"), root, proof);
  return ok ? null : `the log is not consistent with the head of size ${witnessed.size} kept outside the database: its history was rewritten`;
}

/** Writes a signed head outside the database; a failure is logged, not raised. */
export async function witnessHead(orgId: string, size: number, id: string, note: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-head-"));
  try {
    const file = path.join(dir, "head.note");
    fs.writeFileSync(file, note);
    const store = archiveStore();
    await store.put(`${orgId}/checkpoint-${String(size).padStart(12, "0")}-${id}.note`, file);
    await store.put(latestKey(orgId), file);
  } catch (err) {
    console.error(`[vigil] org ${orgId}'s signed head of size ${size} could not be written to the archive store (the next one will be): ${(err as Error).message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
