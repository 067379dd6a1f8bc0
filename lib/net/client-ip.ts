import { normalizeIp } from "@/lib/events/ip";

/**
 * The caller's address, the one place it is read. scripts/serve.mjs overwrites
 * X-Forwarded-For with the socket's address unless VIGIL_TRUST_PROXY=1 says a proxy in
 * front sets it; behind such a proxy the first entry is the client. Invalid values are
 * ignored.
 */
export function clientIpFromHeaders(get: (name: string) => string | string[] | null | undefined): string | undefined {
  const first = (value: string | string[] | null | undefined) => {
    const v = Array.isArray(value) ? value[0] : value;
    return v?.split(",")[0]?.trim() || undefined;
  };
  const candidate = first(get("x-forwarded-for")) ?? first(get("x-real-ip"));
  return candidate ? normalizeIp(candidate) : undefined;
}

export function clientIp(req: Request): string | undefined {
  return clientIpFromHeaders((name) => req.headers.get(name));
}
