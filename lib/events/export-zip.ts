import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Zip, ZipDeflate } from "fflate";
import { CSV_HEADER } from "@/lib/events/csv";

/**
 * A CSV export that proves itself (`format=zip`): one ZIP holding
 *
 *   events.csv     the CSV export of the filter, exactly as `format=csv` writes it
 *   events.ndjson  the same rows as NDJSON, ending with the proof line (docs/integrity.md)
 *   README.txt     how to check it
 *
 * The CSV can't be hashed as it is (a spreadsheet's formula escape and empty cells lose what
 * JSON keeps), so `vigil verify export.zip` proves the NDJSON and then renders its events as
 * CSV and compares the bytes with events.csv: a cell changed in the CSV fails as surely as
 * an event removed from the NDJSON. Both entries come from the same COPY rows; the CSV waits
 * in a temporary file while the NDJSON entry streams, then follows it.
 */

export const ZIP_README = `A Vigil audit-log export.

events.csv     the events, for spreadsheets
events.ndjson  the same events as JSON lines, ending with the proof that they are exactly
               what the org's signed log holds for the filter (vigil_export_proof)

Check it, with no database and no trust in Vigil:

  npx vigil verify this-file.zip

It proves events.ndjson against the org's signed tree head, then checks that events.csv is
exactly those events written as CSV. See docs/integrity.md, "Exports that prove themselves".
`;

type Chunk = { bytes: Uint8Array; count: number; csv?: Uint8Array };

export interface ZipHooks {
  /** Called once, when the download ends (completed) or stops. */
  finish(completed: boolean): Promise<void>;
  /** The NDJSON entry's proof line, made once the rows are out. */
  proofLine(): Promise<string>;
  onRows(count: number): void;
}

const CSV_READ = 1 << 20;

export function zipExport(first: IteratorResult<Chunk> | undefined, batches: AsyncGenerator<Chunk>, hooks: ZipHooks): ReadableStream<Uint8Array> {
  const out: Uint8Array[] = [];
  let zipError: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) zipError = err;
    else out.push(data);
  });
  const ndjson = new ZipDeflate("events.ndjson", { level: 6 });
  zip.add(ndjson);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-zip-"));
  const fd = fs.openSync(path.join(dir, "events.csv"), "w+");
  fs.writeSync(fd, CSV_HEADER);
  let stage: "rows" | "csv" | "done" = "rows";
  let pending = first;
  let csvAt = 0;
  let csvSize = 0;
  let csvEntry: ZipDeflate | undefined;
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  async function step(): Promise<void> {
    if (stage === "rows") {
      const next = pending ?? (await batches.next());
      pending = undefined;
      if (next.done) {
        ndjson.push(Buffer.from(await hooks.proofLine(), "utf8"), true);
        csvSize = fs.fstatSync(fd).size;
        csvEntry = new ZipDeflate("events.csv", { level: 6 });
        zip.add(csvEntry);
        stage = "csv";
        return;
      }
      hooks.onRows(next.value.count);
      fs.writeSync(fd, next.value.csv!);
      ndjson.push(next.value.bytes);
      return;
    }
    const chunk = Buffer.alloc(Math.min(CSV_READ, csvSize - csvAt));
    fs.readSync(fd, chunk, 0, chunk.length, csvAt);
    csvAt += chunk.length;
    const last = csvAt >= csvSize;
    csvEntry!.push(chunk, last);
    if (last) {
      const readme = new ZipDeflate("README.txt", { level: 6 });
      zip.add(readme);
      readme.push(Buffer.from(ZIP_README, "utf8"), true);
      zip.end();
      stage = "done";
    }
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (out.length === 0 && stage !== "done") await step();
        if (zipError) throw zipError;
        if (out.length > 0) controller.enqueue(Buffer.concat(out.splice(0)));
        if (stage === "done" && out.length === 0) {
          cleanup();
          await hooks.finish(true);
          controller.close();
        }
      } catch (err) {
        cleanup();
        await hooks.finish(false).catch(() => {});
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
      cleanup();
      await hooks.finish(false);
    },
  });
}
