import ipaddr from "ipaddr.js";

/**
 * Addresses are hashed in the spelling PostgreSQL prints them back (`host(ip)` of an `inet`), so
 * an event's content hash survives the round trip through the database (docs/security.md,
 * finding 2). IPv6 text follows PostgreSQL's inet_net_ntop (src/port/inet_net_ntop.c): RFC 5952
 * zero compression, except that an address whose first 96 bits are zero, or ::ffff:0:0/96,
 * prints its last 32 bits as a dotted quad — `::102:304` is `::1.2.3.4`. A property test holds
 * this to PostgreSQL itself over generated addresses (tests/integration/chain-roundtrip.test.ts).
 *
 * Refused rather than reinterpreted: a dotted quad with a leading zero (`010` is octal to some
 * parsers, decimal to PostgreSQL — Vigil can't know which was meant), zone ids (`%eth0`: inet
 * can't keep them), prefix lengths and the shorthand forms ipaddr.js accepts (`10.1`, hex, octal).
 */

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;

/** The longest run (of two or more) of zero words, first one on a tie; base -1 when none. */
function longestZeroRun(words: number[]): { base: number; len: number } {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  words.forEach((w, i) => {
    if (w === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = cur;
    } else {
      cur = { base: -1, len: 0 };
    }
  });
  return best.len < 2 ? { base: -1, len: 0 } : best;
}

/** An IPv6 address as PostgreSQL prints it. */
export function postgresIpv6(words: number[]): string {
  const best = longestZeroRun(words);
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    const embedsIpv4 = i === 6 && best.base === 0
      && (best.len === 6 || (best.len === 7 && words[7] !== 1) || (best.len === 5 && words[5] === 0xffff));
    if (embedsIpv4) {
      out += [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff].join(".");
      break;
    }
    out += words[i]!.toString(16);
  }
  // A trailing run ends with the "::" written at its base, plus the separator rule above.
  if (best.base !== -1 && best.base + best.len === 8) out += ":";
  return out;
}

/** The address as stored and read back, or undefined when it is not one Vigil keeps exactly. */
export function normalizeIp(value: string): string | undefined {
  if (DOTTED_QUAD.test(value)) return value;
  if (!value.includes(":") || !IPV6_CHARS.test(value)) return undefined;
  const tail = value.slice(value.lastIndexOf(":") + 1);
  if (tail.includes(".") && !DOTTED_QUAD.test(tail)) return undefined;
  if (!ipaddr.IPv6.isValid(value)) return undefined;
  const parsed = ipaddr.IPv6.parse(value);
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d (how dual-stack sockets report IPv4 clients).
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  return postgresIpv6(parsed.parts);
}

/** An address or a CIDR range, v4 or v6, normalized; undefined when it is neither. */
export function parseIpOrCidr(value: string): { kind: "address" | "cidr"; text: string } | undefined {
  const v = value.trim();
  if (v.includes("/")) {
    // The same plain forms as an address: ipaddr.js would read "10.1/16" as 10.0.0.1.
    const [host = "", prefix = ""] = v.split("/", 2);
    if (!normalizeIp(host) || !/^\d{1,3}$/.test(prefix)) return undefined;
    try {
      const [addr, bits] = ipaddr.parseCIDR(v);
      const network = addr.kind() === "ipv4"
        ? ipaddr.IPv4.networkAddressFromCIDR(v).toString()
        : (ipaddr.IPv6.networkAddressFromCIDR(v) as ipaddr.IPv6).toRFC5952String();
      return { kind: "cidr", text: `${network}/${bits}` };
    } catch {
      return undefined;
    }
  }
  // The spelling the events were stored and hashed in (lib/events/ip.ts): `010` is refused, not read as octal.
  const address = normalizeIp(v);
  return address ? { kind: "address", text: address } : undefined;
}
