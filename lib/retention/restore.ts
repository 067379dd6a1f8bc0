import crypto from "node:crypto";
import fs from "node:fs";
import { pool } from "@/lib/db/pool";
import { ChainVerifier } from "@/lib/integrity/chain";
import { verifyFile } from "@/lib/integrity/verify-file";
import { fileLines } from "@/lib/integrity/input-file";
import { EVENT_COLUMNS, eventToColumns, rowToEvent, type EventRow } from "@/lib/events/record";
import { STORED_COLUMNS } from "@/lib/events/columns";
import type { AuditEvent } from "@/lib/events/types";

/**
 * Restore for investigation: a segment (or any NDJSON export) is verified offline, then
 * re-imported into a scratch table of the `vigil_restore` schema — never into the live
 * chain — read back and verified again from the database. Investigators query the table
 * with SQL and drop it when done.
 */

export interface RestoreResult {
  ok: boolean;
  table: string;
  events: number;
  first_seq: number | null;
  last_seq: number | null;
  /** The manifest beside the file, when there is one, and whether its sha256 matches. */
  manifest: { sha256_matches: boolean } | null;
  problems: string[];
}

const INSERT_BATCH = 500;

async function* readEvents(file: string): AsyncGenerator<AuditEvent> {
  for await (const line of fileLines(file)) {
    if (line.trim()) yield JSON.parse(line) as AuditEvent;
  }
}

async function insertBatch(table: string, events: AuditEvent[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = events.map((e) => {
    // A restored event keeps its stored values; its search text is not part of the archive.
    const columns = { ...eventToColumns(e), search_text: "" };
    const row = STORED_COLUMNS.map((c) => columns[c]);
    const start = values.length;
    values.push(...row);
    return `(${row.map((_, i) => `$${start + i + 1}`).join(", ")})`;
  });
  await pool().query(`insert into ${table} (${STORED_COLUMNS.join(", ")}) values ${tuples.join(", ")}`, values);
}

export async function restoreSegment(file: string): Promise<RestoreResult> {
  const offline = await verifyFile(file);
  const manifestFile = file.replace(/\.ndjson(\.gz)?$/, ".manifest.json");
  let manifest: RestoreResult["manifest"] = null;
  const problems = [...offline.problems];
  if (manifestFile !== file && fs.existsSync(manifestFile)) {
    const m = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { sha256?: string; count?: number };
    const digest = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    manifest = { sha256_matches: digest === m.sha256 };
    if (!manifest.sha256_matches) problems.push("the file's sha256 is not the manifest's");
    if (m.count !== undefined && m.count !== offline.checked) problems.push(`the manifest counts ${m.count} events, the file holds ${offline.checked}`);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const table = `vigil_restore.segment_${stamp}_${crypto.randomBytes(3).toString("hex")}`;
  await pool().query("create schema if not exists vigil_restore");
  await pool().query(`create table ${table} (like audit_events including defaults)`);
  let batch: AuditEvent[] = [];
  let events = 0;
  for await (const e of readEvents(file)) {
    batch.push(e);
    if (batch.length === INSERT_BATCH) {
      await insertBatch(table, batch);
      events += batch.length;
      batch = [];
    }
  }
  if (batch.length) {
    await insertBatch(table, batch);
    events += batch.length;
  }
  // Verify again from what the database now holds: the import itself changed nothing.
  const verifier = new ChainVerifier();
  const { rows } = await pool().query<EventRow>(`select ${EVENT_COLUMNS} from ${table} order by org_id, seq`);
  for (const r of rows) verifier.add(rowToEvent(r));
  problems.push(...verifier.problems.map((p) => `after import: ${p.message}`));
  return {
    ok: offline.ok && problems.length === 0, table, events,
    first_seq: verifier.firstSeq ?? null, last_seq: verifier.lastSeq ?? null, manifest, problems,
  };
}
