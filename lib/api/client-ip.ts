import { normalizeIp } from "@/lib/events/schema";

/**
 * The caller's address. Next.js sets x-forwarded-for from the socket when it serves
 * directly; behind a proxy the first entry is the client. Invalid values are ignored.
 */
export function clientIp(req: Request): string | undefined {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const candidate = forwarded || req.headers.get("x-real-ip")?.trim();
  return candidate ? normalizeIp(candidate) : undefined;
}
