import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every entry point of the four kinds goes through its wrapper (docs/architecture.md): an API
 * route through apiRoute, a cron route through cronRoute, a console route handler through
 * consoleRoute, a console server action through consoleAction (or consoleFormAction, for a
 * plain form post that answers by redirect). A new file that handles a
 * request by hand fails here, unless it is one of the exceptions below, each with its reason.
 */

const APP = path.join(process.cwd(), "app");

function files(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(p, name));
    else if (entry.name === name) out.push(path.relative(process.cwd(), p));
  }
  return out.sort();
}

/** Handlers a file exports: `export const GET = …` or `export async function GET(`. */
function exportedHandlers(source: string, names: RegExp): Array<{ name: string; wrappedBy: string | null }> {
  const out: Array<{ name: string; wrappedBy: string | null }> = [];
  for (const m of source.matchAll(/^export (?:const (\w+) = (\w+)?|async function (\w+)\()/gm)) {
    const name = m[1] ?? m[3]!;
    if (!names.test(name)) continue;
    out.push({ name, wrappedBy: m[1] ? (m[2] ?? null) : null });
  }
  return out;
}

const METHODS = /^(GET|POST|PUT|PATCH|DELETE)$/;

/** Entry points that take no wrapper, and why. */
const EXCEPTIONS: Record<string, string> = {
  "app/api/auth/[...nextauth]/route.ts": "next-auth's own handlers (sign-in, sign-out, session)",
  "app/api/health/route.ts": "public liveness: no principal, answers only up or down",
  "app/api/v1/openapi.json/route.ts": "the public API description: no principal, no data",
  "app/(auth)/invite/[token]/actions.ts": "an invitation is accepted before there is a console session; it maps VigilError with refusalState",
  "app/(console)/events/[id]/actions.ts": "re-checks one event's link for the page that shows it; reads only",
};

describe("every entry point goes through its wrapper", () => {
  const routes = files(APP, "route.ts");
  const actions = files(APP, "actions.ts");

  it("finds the entry points", () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(actions.length).toBeGreaterThanOrEqual(10);
  });

  it.each(routes)("%s", (file) => {
    if (EXCEPTIONS[file]) return;
    const handlers = exportedHandlers(fs.readFileSync(file, "utf8"), METHODS);
    expect(handlers.length, "exports no handler").toBeGreaterThan(0);
    const wrapper = file.startsWith("app/api/v1/") ? "apiRoute" : file.startsWith("app/api/cron/") ? "cronRoute" : "consoleRoute";
    for (const h of handlers) {
      // `export const POST = GET` reuses a wrapped handler.
      const ok = h.wrappedBy === wrapper || (h.wrappedBy !== null && handlers.some((o) => o.name === h.wrappedBy && o.wrappedBy === wrapper));
      expect(ok, `${h.name} is not made by ${wrapper}`).toBe(true);
    }
  });

  it.each(actions)("%s", (file) => {
    if (EXCEPTIONS[file]) return;
    const exported = exportedHandlers(fs.readFileSync(file, "utf8"), /^\w+$/);
    expect(exported.length, "exports no action").toBeGreaterThan(0);
    for (const a of exported) expect(["consoleAction", "consoleFormAction"], `${a.name} is not made by consoleAction`).toContain(a.wrappedBy);
  });
});
