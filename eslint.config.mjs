import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const LIB_FOLDERS = ["alerts", "audit", "auth", "console", "db", "events", "integrity", "jobs", "mail", "net", "orgs", "reports", "retention", "seed", "storage"];
const lib = (...names) => names.map((n) => (n.endsWith(".ts") ? `./lib/${n}` : `./lib/${n}`));
const allBut = (...keep) => lib(...LIB_FOLDERS.filter((f) => !keep.includes(f)), "http");
const see = "see docs/architecture.md";

/** [target, from, why]: files under target may not import from. */
const LAYER_ZONES = [
  { target: "./lib", from: ["./app", "./components", "./server", "./cli", "./bin", "./scripts"], message: `lib/ is below app/, components/, server/ and cli/: have the caller pass what lib needs (${see})` },
  { target: [...lib(...LIB_FOLDERS), "./lib/errors.ts", "./lib/env.ts", "./lib/uuid.ts"], from: "./lib/http", message: `lib/http is the transport layer: the domain throws VigilError and knows nothing of HTTP (${see})` },
  { target: ["./lib/errors.ts", "./lib/env.ts", "./lib/uuid.ts"], from: allBut(), message: `lib/errors, lib/env and lib/uuid are the bottom layer (${see})` },
  { target: "./lib/db", from: allBut("db"), message: `lib/db is connections and migrations only; startup orchestration is server/bootstrap.ts (${see})` },
  { target: "./lib/storage", from: allBut("storage"), message: `lib/storage is the archive store (a folder or S3), below everything that keeps files in it (${see})` },
  { target: "./lib/jobs", from: allBut("db", "jobs"), message: `lib/jobs is the job framework; a job lives with its capability and server/jobs.ts wires it (${see})` },
  { target: "./lib/auth", from: lib("console", "reports", "alerts", "retention", "seed"), message: `lib/auth is identity (sessions, keys, passwords, MFA, permissions) and sits below the use cases (${see})` },
  { target: "./components", from: ["./lib/db", "./lib/auth", "./lib/events/filter-sql.ts", "./lib/events/ingest.ts", "./lib/events/search.ts", "./server"], message: `components/ may reach the browser: it never imports the database, SQL builders or identity code (${see})` },
  { target: lib("events", "audit", "integrity"), from: lib("console", "reports", "auth", "seed", "retention"), message: `events, audit and integrity are the core of the domain (${see})` },
];

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ["node_modules/**", ".next/**", ".next-*/**", ".data/**", "next-env.d.ts", "playwright-report/**", "test-results/**"],
  },
  {
    files: ["tests/**", "e2e/**", "bench/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The layers of docs/architecture.md: an import that runs back up fails the lint (and CI).
    files: ["**/*.ts", "**/*.tsx"],
    rules: {
      "import/no-restricted-paths": ["error", { zones: LAYER_ZONES }],
    },
  },
];

export default config;
