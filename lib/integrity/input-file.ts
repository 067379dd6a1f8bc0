import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

/**
 * Files the CLI reads (exports, archive segments): given as a path or as a `file://` URL (the
 * way a location used to be reported), read line by line, gunzipped when the name ends in .gz.
 * A file that is missing, not a file, or unreadable ends in one InputFileError naming it —
 * never in a stream error nobody listens to (docs/security.md, finding 13).
 */

export class InputFileError extends Error {}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  Z_DATA_ERROR: "not a valid gzip file",
  Z_BUF_ERROR: "the gzip file is cut short",
};

/** Why a file can't be read, in words (no stack, no errno soup). */
export function reason(err: unknown): string {
  const code = (err as { code?: string }).code;
  return (code && REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
}

/** The file a command-line argument names, relative to `cwd`; `file://` URLs are accepted. */
export function resolveInputFile(arg: string, cwd: string): string {
  if (!/^file:/i.test(arg)) return path.resolve(cwd, arg);
  try {
    return fileURLToPath(arg);
  } catch {
    throw new InputFileError(`${arg} is not a file URL this machine can open`);
  }
}

/** The file's lines; fails with InputFileError when it can't be opened or read to the end. */
export async function* fileLines(file: string): AsyncGenerator<string> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, "r");
  } catch (err) {
    throw new InputFileError(`cannot read ${file}: ${reason(err)}`);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new InputFileError(`cannot read ${file}: ${REASONS.EISDIR}`);
  }
  const raw = handle.createReadStream();
  const input = file.endsWith(".gz") ? raw.pipe(zlib.createGunzip()) : raw;
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    input.destroy();
  };
  raw.on("error", fail);
  input.on("error", fail);
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } catch (err) {
    failure ??= err;
  } finally {
    lines.close();
    raw.destroy();
  }
  if (failure) throw new InputFileError(`cannot read ${file}: ${reason(failure)}`);
}
