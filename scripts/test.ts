/**
 * `npm test`: every test on a fresh machine. Unit and integration tests (Vitest, against
 * a throwaway embedded PostgreSQL), then browser tests (Playwright driving Debian's
 * Chromium against `next start`). Installs Chromium through apt when it is missing and we
 * are root; otherwise says how.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { needsBuild } from "./build-state";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function run(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env } });
  return r.status ?? 1;
}

function ensureChromium(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.getuid?.() === 0 && fs.existsSync("/usr/bin/apt-get")) {
    console.log("[test] Chromium is missing: installing Debian's chromium package with apt-get…");
    run("apt-get", ["update", "-qq"]);
    if (run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { DEBIAN_FRONTEND: "noninteractive" }) === 0 && fs.existsSync(CHROMIUM)) {
      return true;
    }
  }
  console.error(
    `[test] The browser tests need Chromium at ${CHROMIUM}. Install it with \`sudo apt-get install chromium\` ` +
      "(Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium binary.",
  );
  return false;
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

function vitestTally(file: string): Tally {
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

function playwrightTally(file: string): Tally {
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  return { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped };
}

function main(): number {
  const only = process.argv[2];
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-results-"));
  const total: Tally = { passed: 0, failed: 0, skipped: 0 };
  let status = 0;

  // One production build first, when sources changed: the fault tests and the browser tests
  // serve it with `next start`, and building inside a test would race the tests' timeouts.
  if (needsBuild()) {
    console.log("[test] building the app (next build)…");
    if (run("npx", ["next", "build"], { NODE_ENV: "production" }) !== 0) {
      console.error("[test] next build failed");
      console.log("tests: 0 passed, 1 failed");
      return 1;
    }
  }

  if (only !== "e2e") {
    const file = path.join(out, "vitest.json");
    const code = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${file}`]);
    if (fs.existsSync(file)) {
      const t = vitestTally(file);
      total.passed += t.passed; total.failed += t.failed; total.skipped += t.skipped;
    } else if (code !== 0) total.failed++;
    if (code !== 0) status = code;
  }

  if (only !== "unit") {
    if (!ensureChromium()) {
      total.failed++;
      status = 1;
    } else {
      const file = path.join(out, "playwright.json");
      const code = run("npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: file, PLAYWRIGHT_REPORTERS: "list,json" });
      if (fs.existsSync(file)) {
        const t = playwrightTally(file);
        total.passed += t.passed; total.failed += t.failed; total.skipped += t.skipped;
      } else if (code !== 0) total.failed++;
      if (code !== 0) status = code;
    }
  }

  console.log(`\ntests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`);
  return status !== 0 || total.failed > 0 ? 1 : 0;
}

process.exit(main());
