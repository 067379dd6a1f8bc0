import crypto from "node:crypto";
import { createOrganization, type CreatedOrg } from "@/lib/orgs/create-org";
import type { ApiScope } from "@/lib/auth/scopes";
import type { AuditEvent } from "@/lib/events/types";

/** A fresh organization with an API key: tests never share tenants, so none truncates. */
export async function newOrg(scopes?: ApiScope[]): Promise<CreatedOrg> {
  const name = `Test ${crypto.randomBytes(4).toString("hex")}`;
  return createOrganization({ name, apiKeyScopes: scopes });
}

type Handler = (req: Request, ctx: { params: Promise<any> }) => Promise<Response>;

/** Calls a route handler the way Next.js does, with a real Request. */
export async function call(
  handler: Handler,
  opts: { method?: string; path?: string; key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; params?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const req = new Request(`http://localhost${opts.path ?? "/"}`, { method: opts.method ?? (body ? "POST" : "GET"), headers, body });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * An NDJSON export's events, and its last line, the proof (lib/integrity/export-proof.ts),
 * which every export ends with.
 */
export function exportLines(text: string): { events: AuditEvent[]; proof: Record<string, unknown> } {
  const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const last = lines.pop();
  if (!last || !("vigil_export_proof" in last)) throw new Error("the export does not end with its proof line");
  return { events: lines as unknown as AuditEvent[], proof: last.vigil_export_proof as Record<string, unknown> };
}
