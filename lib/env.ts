import { z } from "zod";

/**
 * Environment, validated once. Every module reads configuration from here, never from
 * process.env directly, so a bad value stops the app at startup with its name.
 */
const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  AUTH_SECRET: z.string().min(16).optional(),
  CRON_SECRET: z.string().min(16).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  VIGIL_DATA_DIR: z.string().default(".data"),
  VIGIL_DB_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  VIGIL_BOOTSTRAP_ORG: z.string().min(1).optional(),
  VIGIL_BOOTSTRAP_ADMIN_EMAIL: z.string().email().optional(),
  VIGIL_BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12).optional(),
  VIGIL_BOOTSTRAP_API_KEY: z.string().regex(/^vgl_[A-Za-z0-9_-]{20,}$/, "must look like vgl_<at least 20 url-safe characters>").optional(),
  VIGIL_DEMO_PASSWORD: z.string().min(8).optional(),
  /** Sustained requests per second allowed for one API key, and the burst above it. */
  VIGIL_API_RATE: z.coerce.number().positive().default(200),
  VIGIL_API_BURST: z.coerce.number().positive().default(1000),
  /** Largest accepted request body on the ingest route, in bytes. */
  VIGIL_MAX_BODY_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  /** Ed25519 private key (PKCS#8 PEM) for checkpoints; when absent one is made and kept in the database. */
  VIGIL_SIGNING_KEY: z.string().optional(),
  /** Connections of the write pool (ingest, jobs, sign-in, lookups); see lib/db/pool.ts. */
  DB_POOL_MAX: z.coerce.number().int().positive().default(10),
  /** A read replica for search, exports, reports and verification; absent, they read DATABASE_URL (on their own pool). */
  DATABASE_READ_URL: z.string().url().optional(),
  /** Connections of the read pool: however many reads wait, ingest and health keep their own. */
  DB_READ_POOL_MAX: z.coerce.number().int().positive().default(10),
  /** The time limit of each statement on the read pool (search, reports, verification); past it the reader gets a 422. */
  VIGIL_READ_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How long an export may wait for its next rows from the database (the first included) before it is stopped. */
  VIGIL_EXPORT_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** "1" when a proxy in front of Vigil sets X-Forwarded-For; otherwise the socket address is the client's (scripts/serve.mjs). */
  VIGIL_TRUST_PROXY: z.enum(["0", "1"]).default("0"),
  /** The in-process scheduler of lib/jobs: "off" leaves scheduled work to the cron routes. */
  VIGIL_SCHEDULER: z.enum(["on", "off"]).default("on"),
  /** Archive and backup segments: a folder (default VIGIL_DATA_DIR/archives), or S3 when a bucket is set. */
  VIGIL_ARCHIVE_DIR: z.string().min(1).optional(),
  VIGIL_ARCHIVE_S3_BUCKET: z.string().min(1).optional(),
  VIGIL_ARCHIVE_S3_PREFIX: z.string().default("vigil/"),
  /** S3-compatible endpoint (MinIO, R2…); absent means AWS. Credentials come from the usual AWS_* variables. */
  VIGIL_ARCHIVE_S3_ENDPOINT: z.string().url().optional(),
  VIGIL_ARCHIVE_S3_REGION: z.string().default("us-east-1"),
  /** Alert e-mail: smtp://user:pass@host:port (smtps:// for TLS); absent, e-mail channels are recorded as failed. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "must start with smtp:// or smtps://").optional(),
  SMTP_FROM: z.string().min(3).default("Vigil <vigil@localhost>"),
  /** Internal hosts, addresses or CIDRs (comma-separated) that webhooks may reach; everything non-public is refused otherwise (lib/net/outbound.ts). */
  VIGIL_OUTBOUND_ALLOW: z.string().optional(),
  /** HTTP witnesses (C2SP tlog-witness) every new signed tree head is sent to: comma-separated `URL [VERIFIER_KEY]` (lib/integrity/http-witness.ts). */
  VIGIL_WITNESS_URLS: z.string().optional(),
  /** Where people reach this Vigil (https://vigil.example.com): the origin of links sent by e-mail, never taken from a request's Host. */
  VIGIL_PUBLIC_URL: z.string().url().optional(),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export class EnvError extends Error {}

export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new EnvError(`Invalid environment: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/** Tests change the environment between suites; let them re-read it. */
export function resetEnvCache(): void {
  cached = undefined;
}
