import { defineConfig } from "@playwright/test";

/**
 * Browser tests drive Debian's Chromium (never a downloaded browser) against `next start`
 * with its own throwaway database (scripts/e2e-server.ts).
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);
const reporters = (process.env.PLAYWRIGHT_REPORTERS ?? "list").split(",").map((r) => [r] as [string]);

export default defineConfig({
  testDir: "e2e",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: reporters,
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
      ],
    },
  },
  webServer: {
    command: `npx tsx scripts/e2e-server.ts ${PORT}`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
});
