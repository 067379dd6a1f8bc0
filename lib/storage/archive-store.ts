import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { env } from "@/lib/env";

/**
 * Where segments live: a folder by default (VIGIL_ARCHIVE_DIR, else VIGIL_DATA_DIR/archives),
 * S3-compatible object storage when VIGIL_ARCHIVE_S3_BUCKET is set. A location is a
 * `file://` path or an `s3://bucket/key` URL, stored with the segment.
 */

export interface ArchiveStore {
  /** Stores a local file under `key` (e.g. org/000…1-000…9.ndjson.gz) and returns its location. */
  put(key: string, localFile: string): Promise<string>;
  /** A local copy of what is stored at `location`, read back from the store itself. */
  fetch(location: string): Promise<{ file: string; cleanup: () => void }>;
  /** What is stored under `key`, or undefined when nothing is. */
  read(key: string): Promise<Buffer | undefined>;
}

export class FolderStore implements ArchiveStore {
  constructor(readonly root: string) {}

  async put(key: string, localFile: string): Promise<string> {
    const target = path.join(this.root, key);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Write beside, fsync, then rename: a crash never leaves a half segment under the final name.
    const partial = `${target}.partial`;
    fs.copyFileSync(localFile, partial);
    const fd = fs.openSync(partial, "r");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, target);
    return "file://" + target;
  }

  async fetch(location: string): Promise<{ file: string; cleanup: () => void }> {
    if (!location.startsWith("file://")) throw new Error(`not a folder location: ${location}`);
    return { file: location.slice("file://".length), cleanup: () => {} };
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return fs.readFileSync(path.join(this.root, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }
}

export class S3Store implements ArchiveStore {
  private readonly client: S3Client;
  constructor(readonly bucket: string, readonly prefix: string, opts: { endpoint?: string; region: string }) {
    this.client = new S3Client({ region: opts.region, endpoint: opts.endpoint, forcePathStyle: Boolean(opts.endpoint) });
  }

  async put(key: string, localFile: string): Promise<string> {
    const objectKey = this.prefix + key;
    await this.client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: objectKey, Body: fs.readFileSync(localFile),
      ContentType: key.endsWith(".json") ? "application/json" : key.endsWith(".note") ? "text/plain; charset=utf-8" : "application/gzip",
    }));
    return `s3://${this.bucket}/${objectKey}`;
  }

  async fetch(location: string): Promise<{ file: string; cleanup: () => void }> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!m) throw new Error(`not an S3 location: ${location}`);
    const res = await this.client.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-segment-"));
    const file = path.join(dir, path.basename(m[2]!));
    await pipeline(res.Body as Readable, fs.createWriteStream(file));
    return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") return undefined;
      throw err;
    }
  }
}

/**
 * A segment's location as its org sees it: the key inside the store (`<org id>/<from>-<to>.ndjson.gz`),
 * never the server's folder or the bucket and prefix (docs/security.md, finding 11). Keys are
 * always `<org id>/<file>` (segmentKey), so the last two parts of any location are its key.
 */
export function locationInStore(location: string): string {
  return location.split("/").slice(-2).join("/");
}

let override: ArchiveStore | undefined;

/** Tests (and operators' scripts) may point the store elsewhere. */
export function setArchiveStore(store: ArchiveStore | undefined): void {
  override = store;
}

export function archiveStore(): ArchiveStore {
  if (override) return override;
  const e = env();
  if (e.VIGIL_ARCHIVE_S3_BUCKET) {
    return new S3Store(e.VIGIL_ARCHIVE_S3_BUCKET, e.VIGIL_ARCHIVE_S3_PREFIX, { endpoint: e.VIGIL_ARCHIVE_S3_ENDPOINT, region: e.VIGIL_ARCHIVE_S3_REGION });
  }
  return new FolderStore(path.resolve(/*turbopackIgnore: true*/ e.VIGIL_ARCHIVE_DIR ?? path.join(e.VIGIL_DATA_DIR, "archives")));
}

/** The store that holds a location, whatever the current configuration. */
export function storeFor(location: string): ArchiveStore {
  if (override) return override;
  if (location.startsWith("file://")) return new FolderStore("/");
  return archiveStore();
}
