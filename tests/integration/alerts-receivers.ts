import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll } from "vitest";
import { setNotifyDefaults, WEBHOOK_SIGNATURE_HEADER } from "@/lib/alerts/notify";
import { resetEnvCache } from "@/lib/env";

/**
 * Real receivers on local ports for the alerts tests: an SMTP server nodemailer hands its
 * messages to, and an HTTP endpoint that receives the signed webhooks.
 */

/** A tiny SMTP server (RFC 5321's happy path): enough for nodemailer to hand over a message. */
export function smtpServer(): Promise<{ port: number; messages: string[]; close: () => Promise<void> }> {
  const messages: string[] = [];
  const server = net.createServer((socket) => {
    let buffer = "";
    let inData = false;
    socket.write("220 test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          messages.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write("250 OK queued\r\n");
          continue;
        }
        const nl = buffer.indexOf("\r\n");
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 test\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 bye\r\n");
          return;
        } else socket.write("250 OK\r\n");
      }
    });
    socket.on("error", () => {});
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: (server.address() as net.AddressInfo).port,
    messages,
    close: () => new Promise((r) => server.close(() => r())),
  })));
}

/** A webhook receiver that fails the first `failures` requests of each delivery with 503. */
export function webhookServer(failures: number): Promise<{ url: string; received: Array<{ body: string; signature: string }>; hits: () => number; close: () => Promise<void> }> {
  const received: Array<{ body: string; signature: string }> = [];
  let hits = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hits++;
      if (hits <= failures) {
        res.writeHead(503).end();
        return;
      }
      received.push({ body, signature: String(req.headers[WEBHOOK_SIGNATURE_HEADER] ?? "") });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hooks/vigil`,
    received,
    hits: () => hits,
    close: () => new Promise((r) => server.close(() => r())),
  })));
}

/**
 * A test file's SMTP receiver: started before its tests with SMTP_URL pointing at it and fast
 * retries, stopped after. Read `.messages` through the returned getter.
 */
export function smtpReceiverForFile(): () => Awaited<ReturnType<typeof smtpServer>> {
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  beforeAll(async () => {
    smtp = await smtpServer();
    process.env.SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    resetEnvCache();
    setNotifyDefaults({ baseDelayMs: 20 });
  });
  afterAll(async () => {
    delete process.env.SMTP_URL;
    resetEnvCache();
    await smtp.close();
  });
  return () => smtp;
}
