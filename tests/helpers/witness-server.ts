import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { openNote, parseCheckpointBody } from "@/lib/integrity/checkpoints";
import { cosignerKeyId } from "@/lib/integrity/http-witness";
import { verifyConsistency } from "@/lib/integrity/merkle";

/**
 * A C2SP tlog-witness on loopback (c2sp.org/tlog-witness, add-checkpoint), for tests: it
 * trusts the log keys it is given, keeps the latest size and root it cosigned per origin,
 * checks each submission's old size and consistency proof against them, and answers
 * Ed25519 cosignatures (c2sp.org/tlog-cosignature v1). `mode` makes it misbehave.
 */
export class WitnessServer {
  readonly name = "witness.test/w1";
  readonly requests: string[] = [];
  readonly heads = new Map<string, { size: number; root: Buffer }>();
  mode: "ok" | "down" = "ok";
  private readonly key = crypto.generateKeyPairSync("ed25519");
  private readonly raw = this.key.publicKey.export({ format: "der", type: "spki" }).subarray(-32);

  private constructor(private readonly server: http.Server, readonly url: string, readonly trusted: () => string[]) {}

  static async start(trusted: () => string[]): Promise<WitnessServer> {
    const holder: { self?: WitnessServer } = {};
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => holder.self!.handle(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    holder.self = new WitnessServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, trusted);
    return holder.self;
  }

  /** The witness's C2SP verifier key: name+keyhash+base64(0x04 ‖ key). */
  get verifierKey(): string {
    return `${this.name}+${cosignerKeyId(this.name, this.raw).toString("hex")}+${Buffer.concat([Buffer.of(4), this.raw]).toString("base64")}`;
  }

  get publicKey(): crypto.KeyObject {
    return this.key.publicKey;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const reply = (status: number, text = "", type = "text/plain") => {
      res.writeHead(status, { "content-type": type });
      res.end(text);
    };
    if (req.method !== "POST" || req.url !== "/add-checkpoint") return reply(404);
    this.requests.push(body);
    if (this.mode === "down") return reply(503, "down for maintenance");
    const m = /^old (0|[1-9]\d*)\n((?:[A-Za-z0-9+/]{43}=\n){0,63})\n([\s\S]*)$/.exec(body);
    if (!m) return reply(400, "bad request");
    const old = Number(m[1]);
    const proof = m[2]!.split("\n").filter(Boolean).map((l) => Buffer.from(l, "base64"));
    const note = m[3]!;
    const opened = this.trusted().map((pem) => openNote(note, pem)).find((o) => o !== undefined);
    const head = opened && parseCheckpointBody(opened.body);
    if (!head) return reply(403, "no trusted signature");
    if (!head.origin.startsWith("vigil/orgs/")) return reply(404, "unknown log");
    if (old > head.size) return reply(400, "old size beyond the checkpoint");
    const known = this.heads.get(head.origin);
    if ((known?.size ?? 0) !== old) return reply(409, `${known?.size ?? 0}\n`, "text/x.tlog.size");
    const root = Buffer.from(head.rootHash, "hex");
    if (known && old === head.size && !known.root.equals(root)) return reply(409, `${known.size}\n`, "text/x.tlog.size");
    if (known && old > 0 && old < head.size && !verifyConsistency(old, head.size, known.root, root, proof)) return reply(422, "consistency proof does not verify");
    if (old === 0 && proof.length > 0) return reply(422, "a proof from size 0 must be empty");
    this.heads.set(head.origin, { size: head.size, root });
    const time = BigInt(Math.floor(Date.now() / 1000));
    const signature = crypto.sign(null, Buffer.from(`cosignature/v1\ntime ${time}\n${opened!.body}`), this.key.privateKey);
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(time);
    reply(200, `\u2014 ${this.name} ${Buffer.concat([cosignerKeyId(this.name, this.raw), ts, signature]).toString("base64")}\n`);
  }
}
