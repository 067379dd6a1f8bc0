import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { BUILT_IN_ROLES } from "@/lib/auth/permissions";
import { API_SCOPES, hasScope, type ApiScope } from "@/lib/auth/scopes";
import { createApiKey } from "@/lib/auth/api-keys";
import { MAIN_NAV, SETTINGS_NAV } from "@/lib/console/navigation";
import { formData, sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { addUser } from "@/tests/integration/console-fixtures";
import { AUTHZ_TABLE, type Caller, type Ctx, type Entry, type Outcome } from "@/tests/integration/authz-matrix";
import { CUSTOM_ROLES, World, auditCount, fingerprint } from "@/tests/integration/authz-world";

/**
 * The authorization matrix (docs/api.md, "Authorization matrix"): every entry point found
 * on disk × every kind of principal, checked against tests/integration/authz-matrix.ts.
 * Each call goes over HTTP to the built app, as a browser or an integrator sends it.
 */

const CRON_SECRET = "authz-matrix-cron-secret-0123456789";
const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-authz-archives-"));
process.env.CRON_SECRET = CRON_SECRET;
process.env.VIGIL_ARCHIVE_DIR = archiveDir;
resetEnvCache();

// ---------------------------------------------------------------------------------------
// The entry points, found on disk.

const ROOT = process.cwd();
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const SPECIAL_ROUTE_FILES = /^(robots|sitemap|manifest|icon|apple-icon|opengraph-image|twitter-image)\.(ts|tsx|js)$/;

interface Found {
  file: string;
  kind: "handler" | "page" | "action" | "unsupported";
  /** The HTTP method or the action's export name. */
  name: string;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === "node_modules" ? [] : walk(full);
    return /\.(ts|tsx|js|jsx)$/.test(d.name) ? [full] : [];
  });
}

/** The URL pattern of a file under app/: route groups `(x)` dropped, dynamic segments kept. */
function urlPattern(file: string): string {
  const segments = path.relative(path.join(ROOT, "app"), path.dirname(file)).split(path.sep).filter((s) => s && !/^\(.*\)$/.test(s));
  return "/" + segments.join("/");
}

const isUseServerModule = (source: string) => /^(\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use server["']/.test(source);

/** The HTTP methods a route file exports: `export const GET =`, `export async function GET`, `export { h as GET }`. */
function routeMethods(source: string): string[] {
  const named = [...source.matchAll(/^export\s+(?:const|(?:async\s+)?function)\s+([A-Z]+)\b/gm)].map((m) => m[1]!);
  const listed = [...source.matchAll(/^export\s*\{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(",").map((part) => part.trim().split(/\s+as\s+/).pop()!));
  return [...named, ...listed].filter((name) => HTTP_METHODS.includes(name));
}

/** The functions a "use server" module exports. */
const actionExports = (source: string) => [...source.matchAll(/^export\s+(?:const|(?:async\s+)?function)\s+(\w+)/gm)].map((m) => m[1]!);

function discover(): Map<string, Found> {
  const found = new Map<string, Found>();
  for (const file of walk(path.join(ROOT, "app"))) {
    const base = path.basename(file);
    if (/^route\.(ts|tsx|js)$/.test(base)) {
      for (const method of routeMethods(fs.readFileSync(file, "utf8"))) found.set(`${method} ${urlPattern(file)}`, { file, kind: "handler", name: method });
    } else if (/^page\.(ts|tsx|js|jsx)$/.test(base)) {
      found.set(`page ${urlPattern(file)}`, { file, kind: "page", name: "default" });
    } else if (SPECIAL_ROUTE_FILES.test(base)) {
      found.set(`special ${path.relative(ROOT, file)}`, { file, kind: "unsupported", name: base });
    }
  }
  // Server actions: every export of a "use server" module, wherever it lives; an inline
  // "use server" function inside a component would be an entry point the table can't see.
  for (const dir of ["app", "components", "lib"]) {
    for (const file of walk(path.join(ROOT, dir))) {
      const source = fs.readFileSync(file, "utf8");
      if (!/["']use server["']/.test(source)) continue;
      const rel = path.relative(ROOT, file);
      if (!isUseServerModule(source)) {
        found.set(`inline-server-action ${rel}`, { file, kind: "unsupported", name: rel });
        continue;
      }
      for (const name of actionExports(source)) found.set(`action ${rel}#${name}`, { file, kind: "action", name });
    }
  }
  return found;
}

const FOUND = discover();

// ---------------------------------------------------------------------------------------
// The principals.

type Kind = "anonymous" | "member" | "mfa-pending" | "other-org" | "key" | "revoked-key" | "unknown-key" | "other-org-key" | "cron";

interface Principal {
  name: string;
  kind: Kind;
  /** A built-in role key, or a CUSTOM_ROLES name. */
  role?: string;
  scopes?: ApiScope[];
}

const PRINCIPALS: Principal[] = [
  { name: "anonymous", kind: "anonymous" },
  ...Object.keys(BUILT_IN_ROLES).map((role): Principal => ({ name: role, kind: "member", role })),
  ...Object.keys(CUSTOM_ROLES).map((role): Principal => ({ name: role, kind: "member", role })),
  // An administrator of an org that requires MFA, who hasn't set it up.
  { name: "mfa-pending", kind: "mfa-pending", role: "admin" },
  // An administrator of another org, whose org cookie asks for this one.
  { name: "other-org", kind: "other-org", role: "admin" },
  ...API_SCOPES.map((scope): Principal => ({ name: `key:${scope}`, kind: "key", scopes: [scope] })),
  { name: "key:revoked", kind: "revoked-key" },
  { name: "key:unknown", kind: "unknown-key" },
  { name: "key:other-org", kind: "other-org-key" },
  { name: "cron", kind: "cron" },
];

function permissionsOf(p: Principal): readonly string[] {
  if (!p.role) return [];
  return BUILT_IN_ROLES[p.role]?.permissions ?? CUSTOM_ROLES[p.role as keyof typeof CUSTOM_ROLES] ?? [];
}

const hasSession = (p: Principal) => p.kind === "member" || p.kind === "mfa-pending" || p.kind === "other-org";

/** What the table says this principal gets from this entry. */
function expectedOutcome(entry: Entry, p: Principal): Outcome {
  const exception = entry.except?.[p.name];
  if (exception) return exception.outcome;
  const need = entry.need;
  if ("public" in need) return "ok";
  if ("cron" in need) return p.kind === "cron" ? "ok" : "denied";
  if ("scope" in need) {
    if (p.kind === "key") return hasScope(p.scopes!, need.scope) ? "ok" : "denied";
    if (p.kind === "other-org-key") return entry.foreign ? "not_found" : "ok";
    // A person's console session, where the route takes one: their role's permission decides.
    if (!need.orPermission || !hasSession(p) || p.kind === "mfa-pending" || !permissionsOf(p).includes(need.orPermission)) return "denied";
    return p.kind === "other-org" ? (entry.foreign ? "not_found" : "ok") : "ok";
  }
  const c = need.console;
  if (!hasSession(p)) return "denied";
  if (p.kind === "mfa-pending" && !c.allowMfaSetup) return "denied";
  const allowed = !c.permission || permissionsOf(p).includes(c.permission) || (c.orRole !== undefined && p.role === c.orRole);
  if (!allowed) return "denied";
  if (p.kind === "other-org") return entry.foreign ? "not_found" : "ok";
  return "ok";
}

/** A refused route handler call: 401 without an accepted credential, 403 with one that lacks the right. */
function deniedStatus(entry: Entry, p: Principal): number {
  const need = entry.need;
  if ("scope" in need) return p.kind === "key" || hasSession(p) ? 403 : 401;
  if ("console" in need) return hasSession(p) ? 403 : 401;
  return 401;
}

let A: World;
let M: World;
let B: World;
let app: TestApp;
const keys: Record<string, string> = {};

beforeAll(async () => {
  [A, M, B] = [await World.create(), await World.create({ requireMfa: true }), await World.create()];
  for (const scope of API_SCOPES) keys[`key:${scope}`] = (await createApiKey(A.orgId, { name: `authz ${scope}`, scopes: [scope], createdBy: { label: "authz" } })).key;
  const revoked = await createApiKey(A.orgId, { name: "authz revoked", createdBy: { label: "authz" } });
  await pool().query("update api_keys set revoked_at = now() where id = $1", [revoked.id]);
  keys["key:revoked"] = revoked.key;
  keys["key:unknown"] = `vgl_${crypto.randomBytes(24).toString("base64url")}`;
  keys["key:other-org"] = (await createApiKey(B.orgId, { name: "authz other org", createdBy: { label: "authz" } })).key;
  app = await testApp({ CRON_SECRET, VIGIL_ARCHIVE_DIR: archiveDir });
}, 240_000);

afterAll(() => fs.rmSync(archiveDir, { recursive: true, force: true }));

/** A fresh caller of this kind, and the request headers it sends. */
async function callerFor(p: Principal, target?: World): Promise<{ caller: Caller; headers: Record<string, string>; ownOrg?: string }> {
  const headers: Record<string, string> = { "x-forwarded-for": "192.0.2.77", "user-agent": "authz-matrix" };
  const world = target ?? (p.kind === "mfa-pending" ? M : A);
  if (hasSession(p)) {
    const home = p.kind === "mfa-pending" ? M : p.kind === "other-org" ? B : A;
    const user = await addUser(home.orgId, home.customRoles[p.role!] ?? p.role!);
    headers.cookie = await sessionCookie(user);
    if (p.kind === "other-org") headers.cookie += `; vigil-org=${world.orgId}`;
    return { caller: { name: p.name, user, world }, headers, ownOrg: home.orgId };
  }
  if (p.kind === "cron") headers.authorization = `Bearer ${CRON_SECRET}`;
  else if (p.kind !== "anonymous") headers.authorization = `Bearer ${keys[p.name]}`;
  return { caller: { name: p.name, world }, headers, ownOrg: p.kind === "key" ? A.orgId : p.kind === "other-org-key" ? B.orgId : undefined };
}

// ---------------------------------------------------------------------------------------
// Calling an entry point the way Next.js does, and reading what came back.

interface Result {
  outcome: Outcome | "refused" | "error";
  detail: string;
  status?: number;
  /** Everything the caller got back, to search for another org's data. */
  body: string;
  setCookies: string[];
}

/** Holds a job's advisory lock the way a second app instance would: the route answers "skipped" without working over every org. */
async function withJobLock<T>(job: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(72177100, hashtext($1))", [job]);
    return await fn();
  } finally {
    await client.end();
  }
}

/** JSON of whatever a page or action returned, without functions or cycles, to search it for leaks. */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_k, v) => {
      if (typeof v === "function" || typeof v === "symbol") return undefined;
      if (typeof v === "bigint") return v.toString();
      if (v && typeof v === "object") {
        if (seen.has(v)) return undefined;
        seen.add(v);
      }
      return v;
    }) ?? "";
  } catch {
    return String(value);
  }
}

function classifyMessage(message: string): Outcome | "refused" {
  if (/not found|doesn't exist/i.test(message)) return "not_found";
  if (/sign in|session has ended|doesn't allow|requires (MFA|two-factor)/i.test(message)) return "denied";
  return "refused";
}

/** What a probe will send: made first, so that fresh things it names exist before the "before" picture. */
type Prepared =
  | { kind: "handler"; request: { path: string; body?: unknown } }
  | { kind: "page"; request: { path: string; searchParams?: Record<string, string | string[]> } }
  | { kind: "action"; input: Record<string, string | string[]> | unknown[] };

async function prepare(entry: Entry, ctx: Ctx): Promise<Prepared> {
  const probe = entry.probe;
  if (probe.kind === "handler") return { kind: "handler", request: await probe.request(ctx) };
  if (probe.kind === "page") return { kind: "page", request: await probe.request(ctx) };
  return { kind: "action", input: await probe.input(ctx) };
}

/** A redirect the console answers a refused person with: to sign in, or to set up MFA first. */
const refusedRedirect = (to: string) => to.startsWith("/sign-in") || to.startsWith("/settings/account?mfa=required");

/** The path and query of a Location header (Next sends it relative or absolute). */
const local = (location: string) => {
  const u = new URL(location, app.baseUrl);
  return u.pathname + u.search;
};

async function invoke(key: string, found: Found, entry: Entry, prepared: Prepared, p: Principal, headers: Record<string, string>): Promise<Result> {
  const probe = entry.probe;
  if (probe.kind === "handler" && prepared.kind === "handler") {
    const { path: url, body } = prepared.request;
    const h = { ...headers };
    let raw: string | undefined;
    if (body !== undefined) {
      raw = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] = typeof body === "string" ? "application/x-www-form-urlencoded" : "application/json";
    }
    const run = () => app.fetch(url, { method: found.name, headers: h, body: raw });
    const job = key.match(/^(GET|POST) \/api\/cron\/(\w+)$/)?.[2];
    const { status, text, location, setCookies } = job && p.kind === "cron" ? await withJobLock(job, run) : await run();
    const detail = `${status} ${location ?? text.slice(0, 160)}`;
    // Let in, a job must still have found its lock held: it never works over the shared database here.
    if (job && p.kind === "cron" && status === 200 && !text.includes('"status":"skipped"')) return { outcome: "error", detail: `ran instead of skipping: ${detail}`, status, body: text, setCookies };
    const outcome: Result["outcome"] = status === 401 || status === 403 ? "denied" : status === 404 ? "not_found" : status < 400 ? "ok" : "error";
    return { outcome, detail, status, body: text, setCookies };
  }
  if (probe.kind === "page" && prepared.kind === "page") {
    const { path: url, searchParams } = prepared.request;
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(searchParams ?? {})) for (const one of Array.isArray(v) ? v : [v]) query.append(k, one);
    const page = await app.fetch(query.size ? `${url}?${query}` : url, { headers });
    if (page.status === 404) return { outcome: "not_found", detail: "404", body: page.text, setCookies: [] };
    if (page.status >= 300 && page.status < 400 && page.location) {
      const to = local(page.location);
      return { outcome: refusedRedirect(to) ? "denied" : "ok", detail: `redirect ${to}`, body: to, setCookies: [] };
    }
    if (page.status !== 200) return { outcome: "error", detail: `${page.status} ${page.text.slice(0, 160)}`, body: "", setCookies: [] };
    if (page.text.includes('data-testid="no-access"')) return { outcome: "denied", detail: "<NoAccess>", body: page.text, setCookies: [] };
    return { outcome: "ok", detail: "rendered", body: page.text, setCookies: [] };
  }
  if (probe.kind !== "action" || prepared.kind !== "action") throw new Error(`${key}: the probe doesn't match the entry point`);
  const input = prepared.input;
  const args = probe.style === "args" ? (input as string[]) : probe.style === "state" ? [null, formData(input as Record<string, string>)] : [formData(input as Record<string, string>)];
  const answer = await app.action(found.file, found.name, args, headers);
  const setCookies = answer.setCookies;
  if (answer.notFound) return { outcome: "not_found", detail: "notFound()", body: answer.text, setCookies };
  if (answer.location) {
    const r = local(answer.location);
    const error = new URL(r, app.baseUrl).searchParams.get("error");
    const outcome = refusedRedirect(r) ? "denied" : error ? classifyMessage(error) : "ok";
    return { outcome, detail: `redirect ${r}`, body: r, setCookies };
  }
  if (answer.status !== 200) return { outcome: "error", detail: `${answer.status} ${answer.text.slice(0, 160)}`, body: "", setCookies };
  const r = answer.result as { ok?: boolean; code?: string; message?: string; error?: string } | undefined;
  let outcome: Result["outcome"] = "ok";
  if (r && r.ok === false) {
    outcome = r.code === "signed_out" || r.code === "mfa_setup" || r.code === "forbidden" ? "denied" : r.code === "not_found" ? "not_found" : "refused";
  } else if (r && typeof r.error === "string") outcome = classifyMessage(r.error);
  return { outcome, detail: serialize(r).slice(0, 200), body: answer.text, setCookies };
}

const normalize = (s: string) => s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<id>");

// ---------------------------------------------------------------------------------------

describe("authorization matrix", () => {
  it("has a line for every route, page and server action on disk, and none for what is gone", () => {
    const missing = [...FOUND.keys()].filter((k) => !(k in AUTHZ_TABLE)).sort();
    const stale = Object.keys(AUTHZ_TABLE).filter((k) => !FOUND.has(k)).sort();
    expect({ missing, stale }, "add the missing entry points to tests/integration/authz-matrix.ts (and remove the stale ones)").toEqual({ missing: [], stale: [] });
    // Sanity: the walk did find each kind.
    const kinds = new Set([...FOUND.values()].map((f) => f.kind));
    expect([...kinds].sort()).toEqual(["action", "handler", "page"]);
  });

  it("shows each console page in the navigation only to roles the page lets in", () => {
    const wrong: string[] = [];
    for (const nav of [...MAIN_NAV, ...SETTINGS_NAV]) {
      const entry = AUTHZ_TABLE[`page ${nav.href}`];
      if (!entry || !("console" in entry.need)) {
        wrong.push(`${nav.href}: no console page in the table`);
        continue;
      }
      const permission = entry.need.console.permission;
      if (permission && !(nav.anyOf ?? []).includes(permission)) wrong.push(`${nav.href}: shown without ${permission}`);
      if (permission && (nav.anyOf ?? []).some((p) => p !== permission)) wrong.push(`${nav.href}: shown for ${nav.anyOf!.join(", ")} but needs ${permission}`);
    }
    expect(wrong).toEqual([]);
  });

  for (const [key, found] of [...FOUND.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    it(key, { timeout: 300_000 }, async () => {
      const entry = AUTHZ_TABLE[key];
      expect(entry, `${key} is not in the authorization table (tests/integration/authz-matrix.ts)`).toBeDefined();
      expect(found.kind, `${key}: a ${found.kind} entry point the matrix can't call`).not.toBe("unsupported");
      expect(entry!.probe.kind, `${key}: the probe is for a ${entry!.probe.kind}`).toBe(found.kind);
      const problems: string[] = [];
      for (const p of PRINCIPALS) {
        const { caller, headers, ownOrg } = await callerFor(p);
        const ctx: Ctx = { w: caller.world, p: caller };
        const want = expectedOutcome(entry!, p);
        // Fresh things the probe acts on are made before the "before" picture is taken.
        const target = caller.world.orgId;
        const prepared = await prepare(entry!, ctx);
        const beforeTarget = await fingerprint(target);
        const beforeOwn = ownOrg ? await auditCount(ownOrg) : 0;
        const got = await invoke(key, found, entry!, prepared, p, headers);
        const label = `${p.name}: expected ${want}, got ${got.outcome} (${got.detail})`;
        if (got.outcome !== want) {
          problems.push(label);
          continue;
        }
        if (got.outcome === "denied" && got.status !== undefined && got.status !== deniedStatus(entry!, p)) {
          problems.push(`${p.name}: refused with ${got.status}, expected ${deniedStatus(entry!, p)}`);
        }
        // A refusal, or anything another org's member or key does, leaves this org as it was.
        if (got.outcome !== "ok" || p.kind === "other-org" || p.kind === "other-org-key") {
          const after = await fingerprint(target);
          if (after !== beforeTarget) problems.push(`${p.name}: ${got.outcome}, yet the org's data changed`);
        }
        if (p.kind === "other-org" || p.kind === "other-org-key") {
          // What the caller sent (an id in the URL, which a 404 page repeats) is not a leak.
          const sent = JSON.stringify(prepared);
          const leaked = [...A.secrets].filter((s) => got.body.includes(s) && !sent.includes(s));
          if (leaked.length) problems.push(`${p.name}: the answer holds another org's ${leaked.join(", ")}`);
        }
        if (got.outcome === "ok" && found.kind === "action" && entry!.audited !== false && ownOrg && (await auditCount(ownOrg)) <= beforeOwn) {
          problems.push(`${p.name}: the action worked but wrote no audit event`);
        }
        if (got.outcome === "ok" && entry!.probe.kind === "action" && entry!.probe.check) {
          problems.push(...(await entry!.probe.check(ctx, got)).map((m) => `${p.name}: ${m}`));
        }
        // Another org's id is answered exactly like an id that exists nowhere.
        if (entry!.foreign && want === "not_found") {
          const again = await callerFor(p, A.missing());
          const missing = await invoke(key, found, entry!, await prepare(entry!, { w: again.caller.world, p: again.caller }), p, again.headers);
          if (missing.outcome !== got.outcome || normalize(missing.detail) !== normalize(got.detail)) {
            problems.push(`${p.name}: another org's id got ${got.outcome} (${got.detail}), a missing one ${missing.outcome} (${missing.detail})`);
          }
        }
      }
      expect(problems, `${key} against the table`).toEqual([]);
    });
  }

  it("left the app with no unexpected error in its log", () => {
    expect(app.unexpectedErrors()).toEqual([]);
  });
});
