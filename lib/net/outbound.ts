import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { env } from "@/lib/env";

/**
 * Every request Vigil makes to a URL a tenant chose (webhooks now, streams later) goes
 * through here. Only public unicast addresses are reached, judged on the address the socket
 * actually connects to (after DNS, so a name that resolves inward is refused too, and a
 * rebinding answer can't slip past an earlier check). Redirects are never followed. Operators
 * name internal targets in VIGIL_OUTBOUND_ALLOW (hosts, addresses or CIDRs).
 */

/** Generic reasons only: a delivery record must not become an oracle for internal services. */
export type OutboundFailure = "refused target" | "redirect not followed" | "timed out" | "connection failed" | `HTTP ${number}xx`;

/** `body` is the answer's text when the request asked for it (maxBody), up to that many bytes. */
export type OutboundResult = { ok: true; status: number; body?: string } | { ok: false; status: number | null; reason: OutboundFailure; body?: string };

export class OutboundRefused extends Error {
  constructor() {
    super("refused target");
  }
}

export type Allowed = { hosts: Set<string>; ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> };

export function allowList(): Allowed {
  const hosts = new Set<string>();
  const ranges: Allowed["ranges"] = [];
  for (const raw of (env().VIGIL_OUTBOUND_ALLOW ?? "").split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry.includes("/") && ipaddr.isValidCIDR(entry)) ranges.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const a = canonical(ipaddr.parse(entry));
      ranges.push([a, a.kind() === "ipv4" ? 32 : 128]);
    } else hosts.add(entry);
  }
  return { hosts, ranges };
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries. */
function canonical(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

function inAllowedRange(addr: ipaddr.IPv4 | ipaddr.IPv6, allowed: Allowed): boolean {
  return allowed.ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match([net, bits] as never));
}

/**
 * A public unicast address, or one the operator allowed. Everything else is refused:
 * loopback, private, link-local, unique-local, CGNAT, multicast, reserved, unspecified,
 * and IPv6 forms that embed IPv4 (6to4, Teredo, NAT64) since they can route inward.
 */
export function isAllowedAddress(address: string, allowed: Allowed = allowList()): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return false;
  const addr = canonical(ipaddr.parse(bare));
  if (inAllowedRange(addr, allowed)) return true;
  return addr.range() === "unicast";
}

function isAllowedHostName(hostname: string, allowed: Allowed): boolean {
  return allowed.hosts.has(hostname.toLowerCase().replace(/\.$/, ""));
}

/**
 * Checks a target URL before it is saved: an address literal (however spelled: the URL parser
 * has already turned 2852039166 and 0x7f000001 into dotted form) must be public, and names
 * like localhost are refused. Names are checked again on every connection. Returns a problem
 * to show, or null.
 */
export function targetProblem(url: URL): string | null {
  if (url.protocol !== "https:" && url.protocol !== "http:") return "enter an http(s) URL";
  const allowed = allowList();
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isAllowedHostName(host, allowed)) return null;
  if (net.isIP(host)) return isAllowedAddress(host, allowed) ? null : "the URL points to a private, loopback or reserved address";
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost") || name.endsWith(".local") || name.endsWith(".internal") || !name.includes(".")) {
    return "the URL points to an internal host name";
  }
  return null;
}

/** dns.lookup, refusing the connection when any address it answers is not allowed (the socket's own lookup). */
export function checkedLookup(allowed: Allowed, hostAllowed: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      if (list.length === 0 || (!hostAllowed && list.some((a) => !isAllowedAddress(a.address, allowed)))) {
        return callback(new OutboundRefused(), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export interface OutboundRequest {
  method: "POST";
  headers: Record<string, string>;
  body: string;
  timeoutMs?: number;
  /** Read the answer's body, up to this many bytes (a witness's cosignature); by default it is discarded. */
  maxBody?: number;
}

/** Sends one request to a tenant-chosen URL under the rules above; never throws for the target's behaviour. */
export async function sendOutbound(target: string, req: OutboundRequest): Promise<OutboundResult> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, status: null, reason: "refused target" };
  }
  if (targetProblem(url)) return { ok: false, status: null, reason: "refused target" };
  const allowed = allowList();
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const hostAllowed = isAllowedHostName(host, allowed);
  // A literal address skips DNS (and Node's lookup hook), so it is judged here; targetProblem did.
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<OutboundResult>((resolve) => {
    const request = transport.request(url, {
      method: req.method,
      headers: { ...req.headers, "content-length": Buffer.byteLength(req.body).toString() },
      lookup: checkedLookup(allowed, hostAllowed),
      agent: false,
      timeout: req.timeoutMs ?? 10_000,
    }, (res) => {
      const status = res.statusCode ?? 0;
      const answer = (body?: string) => {
        if (status >= 300 && status < 400) return resolve({ ok: false, status, reason: "redirect not followed" });
        if (status >= 200 && status < 300) return resolve({ ok: true, status, body });
        resolve({ ok: false, status, reason: `HTTP ${Math.floor(status / 100)}xx`, body });
      };
      if (!req.maxBody) {
        res.resume();
        return answer();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > req.maxBody!) return request.destroy(new Error("answer too large"));
        chunks.push(c);
      });
      res.on("end", () => answer(Buffer.concat(chunks).toString("utf8")));
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", (err) => {
      if (err instanceof OutboundRefused) resolve({ ok: false, status: null, reason: "refused target" });
      else resolve({ ok: false, status: null, reason: err.message === "timeout" ? "timed out" : "connection failed" });
    });
    request.end(req.body);
  });
}
