import fs from "node:fs";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { afterAll } from "vitest";
import { env, resetEnvCache } from "@/lib/env";
import { SESSION_MAX_AGE_S } from "@/lib/auth/options";
import { startUserSession } from "@/lib/auth/user-sessions";
import { AppProcess, ensureAppBuilt } from "@/tests/helpers/faults";

/**
 * The built app (`next build`, served by scripts/serve.mjs as `npm start` does) on this
 * run's test database, called over HTTP the way a browser calls it: pages and route
 * handlers by URL, server actions by the POST a client component sends. Nothing of Next
 * is imported: what a test sees is what a person's browser gets.
 */

// The secret the tests sign session cookies with, and the app checks them with.
process.env.AUTH_SECRET ??= "console-test-auth-secret-0123456789";
resetEnvCache();

/** One app per test file, started on first use and stopped when the file's tests end. */
let shared: Promise<TestApp> | undefined;

// Registered when a test file imports this module (a hook registered inside another hook is
// never run, and the server would outlive the run).
afterAll(async () => {
  const app = shared;
  shared = undefined;
  await (await app?.catch(() => undefined))?.stop();
}, 30_000);

export function testApp(extraEnv: Record<string, string> = {}): Promise<TestApp> {
  shared ??= TestApp.start(extraEnv);
  return shared;
}

export interface Answer {
  status: number;
  /** Where a redirect (a 3xx, or an action's redirect()) sends the browser. */
  location?: string;
  text: string;
  setCookies: string[];
  headers: Headers;
}

export interface ActionAnswer extends Answer {
  /** What the action returned (undefined when it redirected, failed or returned nothing). */
  result?: unknown;
  /** notFound() in the action. */
  notFound?: boolean;
}

type ActionArg = FormData | string | number | boolean | null | undefined;

export class TestApp {
  private constructor(private readonly app: AppProcess) {}

  static async start(extraEnv: Record<string, string> = {}): Promise<TestApp> {
    await ensureAppBuilt();
    const e = env();
    const app = await AppProcess.start(process.env.DATABASE_URL!, {
      // The same secrets as this process, so the session cookies the tests make are accepted.
      AUTH_SECRET: e.AUTH_SECRET ?? "",
      ...(e.CRON_SECRET ? { CRON_SECRET: e.CRON_SECRET } : {}),
      // The tests name the client address in X-Forwarded-For, as a proxy in front would.
      VIGIL_TRUST_PROXY: "1",
      VIGIL_OUTBOUND_ALLOW: process.env.VIGIL_OUTBOUND_ALLOW ?? "127.0.0.1",
      ...(process.env.VIGIL_ARCHIVE_DIR ? { VIGIL_ARCHIVE_DIR: process.env.VIGIL_ARCHIVE_DIR } : {}),
      ...extraEnv,
    });
    return new TestApp(app);
  }

  get baseUrl(): string {
    return this.app.baseUrl;
  }

  async stop(): Promise<void> {
    await this.app.kill();
  }

  /** The app's log lines of errors nobody handled (see AppProcess.unexpectedErrors). */
  unexpectedErrors(): string[] {
    return this.app.unexpectedErrors();
  }

  /** A request as a browser on the console's own origin sends it; redirects are not followed. */
  async fetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Answer> {
    const res = await fetch(new URL(url, this.baseUrl), { method: init.method ?? "GET", headers: init.headers, body: init.body, redirect: "manual" });
    const binary = /pdf|zip|octet-stream/.test(res.headers.get("content-type") ?? "");
    const text = binary ? `(${res.headers.get("content-type")}, ${(await res.arrayBuffer()).byteLength} bytes)` : await res.text();
    return { status: res.status, location: res.headers.get("location") ?? undefined, text, setCookies: res.headers.getSetCookie(), headers: res.headers };
  }

  /**
   * Calls a server action (`export async function` of a "use server" file) as the client
   * component's form does: a POST to the page with the action's id (from the build's
   * server-reference manifest) and its arguments in React's reply encoding.
   */
  async action(file: string, name: string, args: ActionArg[], headers: Record<string, string> = {}, page?: string): Promise<ActionAnswer> {
    const { id, pages } = serverAction(file, name);
    const res = await fetch(new URL(page ?? pages[0] ?? "/", this.baseUrl), {
      method: "POST",
      headers: { accept: "text/x-component", origin: this.baseUrl, "next-action": id, ...headers },
      body: encodeReply(args),
      redirect: "manual",
    });
    const text = await res.text();
    const answer: ActionAnswer = { status: res.status, text, setCookies: res.headers.getSetCookie(), headers: res.headers };
    const redirect = res.headers.get("x-action-redirect") ?? res.headers.get("location");
    if (redirect) answer.location = redirect.split(";")[0];
    if (res.status === 404) answer.notFound = true;
    else if (!redirect && res.ok) answer.result = actionResult(text);
    return answer;
  }
}

/**
 * The id Next gave an action at build time (what a client component posts in Next-Action),
 * and the pages whose forms post it, from the build's server-reference manifest. Pages
 * without dynamic segments come first; a segment's value is a placeholder.
 */
export function serverAction(file: string, name: string): { id: string; pages: string[] } {
  const manifestFile = path.join(process.env.NEXT_DIST_DIR ?? ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { node: Record<string, { filename?: string; exportedName?: string; workers: Record<string, unknown> }> };
  const rel = path.isAbsolute(file) ? path.relative(process.cwd(), file) : file;
  const hit = Object.entries(manifest.node).find(([, v]) => v.filename === rel && v.exportedName === name);
  if (!hit) throw new Error(`${rel}#${name} is not a server action of the build (is it used by a client component?)`);
  const pages = Object.keys(hit[1].workers)
    .map((w) => "/" + w.replace(/^app\//, "").replace(/\/?page$/, "").split("/").filter((seg) => seg && !/^\(.*\)$/.test(seg)).join("/"))
    .sort((a, b) => Number(a.includes("[")) - Number(b.includes("[")))
    .map((p) => p.replace(/\[[^\]]+\]/g, "-"));
  return { id: hit[0], pages };
}

/**
 * React's reply encoding (react-server-dom-webpack encodeReply) for the arguments actions
 * take here: strings, numbers, booleans, null and FormData. Without a FormData the body is
 * the JSON array; with one, a multipart form whose field "0" is that array and whose
 * FormData's fields are prefixed with its part number.
 */
function encodeReply(args: ActionArg[]): string | FormData {
  let form: FormData | undefined;
  let part = 0;
  const model = args.map((a) => {
    if (a instanceof FormData) {
      form ??= new FormData();
      const id = ++part;
      for (const [k, v] of a.entries()) form.append(`_${id}_${k}`, v);
      return `$K${id.toString(16)}`;
    }
    if (a === undefined) return "$undefined";
    if (typeof a === "string" && a.startsWith("$")) return `$${a}`;
    return a;
  });
  const json = JSON.stringify(model);
  if (!form) return json;
  form.set("0", json);
  return form;
}

/**
 * The action's return value from the RSC payload Next answers with: row 0 is
 * `{"a": <ref to the result>, ...}`; plain objects come as JSON rows.
 */
export function actionResult(payload: string): unknown {
  const rows = rscRows(payload);
  const resolve = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (v === "$undefined") return undefined;
      const ref = /^\$@?([0-9a-f]+)$/.exec(v);
      if (ref && rows.has(ref[1]!)) return resolve(rows.get(ref[1]!));
      if (v.startsWith("$$")) return v.slice(1);
      return v;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  const root = rows.get("0") as { a?: unknown } | undefined;
  return root ? resolve(root.a) : undefined;
}

/**
 * The rows of an RSC payload: `<hex id>:<JSON>\n`, or `<hex id>:T<hex byte length>,<text>`
 * for a long string (which may hold newlines); module (`I`) and hint (`H…`) rows are skipped.
 */
function rscRows(payload: string): Map<string, unknown> {
  const bytes = Buffer.from(payload, "utf8");
  const rows = new Map<string, unknown>();
  let at = 0;
  while (at < bytes.length) {
    const colon = bytes.indexOf(0x3a, at);
    if (colon < 0) break;
    const id = bytes.subarray(at, colon).toString("latin1");
    if (bytes[colon + 1] === 0x54 /* T */) {
      const comma = bytes.indexOf(0x2c, colon);
      const length = parseInt(bytes.subarray(colon + 2, comma).toString("latin1"), 16);
      rows.set(id, bytes.subarray(comma + 1, comma + 1 + length).toString("utf8"));
      at = comma + 1 + length;
      continue;
    }
    let end = bytes.indexOf(0x0a, colon);
    if (end < 0) end = bytes.length;
    const body = bytes.subarray(colon + 1, end).toString("utf8");
    if (/^[0-9a-f]+$/.test(id) && /^[[{"0-9tfn-]/.test(body)) {
      try {
        rows.set(id, JSON.parse(body));
      } catch {
        // not a model row
      }
    }
    at = end + 1;
  }
  return rows;
}

/**
 * The cookie next-auth sets at sign-in (over http), holding the user's id and a session
 * row opened for it, like a real one. `sessionId` reuses a row (to test revocation).
 */
export async function sessionCookie(user: { id: string; email: string; name: string }, sessionId?: string): Promise<string> {
  const sid = sessionId ?? (await startUserSession(user.id, { ip: "192.0.2.1", userAgent: "vigil-tests" }));
  const token = await encode({ token: { sub: user.id, email: user.email, name: user.name, sid }, secret: env().AUTH_SECRET!, maxAge: SESSION_MAX_AGE_S });
  return `next-auth.session-token=${token}`;
}

/** Form fields as a browser posts them. */
export function formData(input: Record<string, string | string[]>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(input)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  return form;
}
