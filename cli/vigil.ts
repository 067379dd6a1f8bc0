/**
 * The `vigil` command for operators (DESIGN.md, Configuration and the command line):
 *
 *   vigil org create NAME [--slug SLUG] [--admin EMAIL --password PW] [--json]
 *   vigil apikey create --org SLUG [--scopes events:write,events:read] [--name NAME] [--json]
 *   vigil verify FILE|FOLDER     checks an NDJSON export, an archive segment or a folder of them, offline
 *     [--checkpoint FILE|URL]    …against a signed tree head kept from earlier (consistency)
 *     [--key VERIFIER_KEY]       …signed by a key the auditor trusts
 *     [--api URL]                …fetching the consistency proof from Vigil (VIGIL_API_KEY)
 *   vigil restore FILE           re-imports a segment into a scratch table and verifies it
 *   vigil seed --events N [--org SLUG]
 *   vigil checkpoint --org SLUG  signs the org's chain head now
 *   vigil db url|start|stop      the embedded database
 *   vigil migrate
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { env, EnvError } from "@/lib/env";
import { connectDatabase, prepareDatabase, type ReadyDatabase } from "@/server/bootstrap";
import { EmbeddedDatabaseError, embeddedPid, embeddedUrl, stopPid } from "@/lib/db/embedded";
import { closePool } from "@/lib/db/pool";
import { witnessesSettled } from "@/lib/integrity/http-witness";
import { createApiKey } from "@/lib/auth/api-keys";
import { API_SCOPES, type ApiScope } from "@/lib/auth/scopes";
import { createOrganization, findOrgBySlug } from "@/lib/orgs/create-org";
import { verifyFile, verifyFolder } from "@/lib/integrity/verify-file";
import { InputFileError, resolveInputFile } from "@/lib/integrity/input-file";
import { consistencyFrom, KeptHeadError, readKeptHead } from "@/lib/integrity/kept-head";
import { RotationRefused, rotateSigningKey, takeCheckpoint } from "@/lib/integrity/checkpoints";
import { seedEvents } from "@/lib/seed/generate";
import { restoreSegment } from "@/lib/retention/restore";

class UsageError extends Error {}

const USAGE = `Usage:
  vigil org create NAME [--slug SLUG] [--admin EMAIL --password PW] [--json]
  vigil apikey create --org SLUG [--scopes ${API_SCOPES.join(",")}] [--name NAME] [--json]
  vigil verify FILE|FOLDER [--checkpoint FILE|URL] [--key VERIFIER_KEY]... [--api URL]
  vigil restore FILE [--json]
  vigil seed --events N [--org SLUG] [--days 395]
  vigil checkpoint --org SLUG
  vigil keys rotate
  vigil db url|start|stop
  vigil migrate`;

const quiet = () => {};

async function withDatabase<T>(fn: () => Promise<T>, opts: { log?: boolean } = {}): Promise<T> {
  let db: ReadyDatabase | undefined;
  try {
    db = await connectDatabase(opts.log ? (l) => console.error(l) : quiet);
    await prepareDatabase(db.url, quiet);
    return await fn();
  } finally {
    // Signed heads still on their way to the witnesses go first.
    await witnessesSettled().catch(() => {});
    await closePool().catch(() => {});
    // A server this command started stops with it; one that was already running stays.
    if (db?.embedded && !db.embedded.reused) await db.embedded.stop();
  }
}

async function orgOf(slug: string | undefined): Promise<{ id: string; slug: string; name: string }> {
  if (!slug) throw new UsageError("--org SLUG is required");
  const org = await findOrgBySlug(slug);
  if (!org) throw new UsageError(`no organization with slug '${slug}'`);
  return org;
}

function parseScopes(value: string | undefined): ApiScope[] | undefined {
  if (!value) return undefined;
  const scopes = value.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`unknown scope(s): ${unknown.join(", ")} (known: ${API_SCOPES.join(", ")})`);
  return scopes as ApiScope[];
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      admin: { type: "string" },
      password: { type: "string" },
      slug: { type: "string" },
      org: { type: "string" },
      scopes: { type: "string" },
      name: { type: "string" },
      events: { type: "string" },
      days: { type: "string" },
      checkpoint: { type: "string" },
      key: { type: "string", multiple: true },
      api: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 1;
  }

  if (command === "verify") {
    if (!sub) throw new UsageError("verify needs a FILE");
    const file = resolveInputFile(sub, process.env.VIGIL_CALLER_CWD ?? process.cwd());
    const cwd = process.env.VIGIL_CALLER_CWD ?? process.cwd();
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      const folder = await verifyFolder(file);
      if (values.json) console.log(JSON.stringify(folder, null, 2));
      else {
        console.log(`${folder.ok ? "OK" : "FAILED"}: ${folder.segments.length} segment(s), ${folder.checked} event(s) checked in ${sub}`);
        if (folder.ok && folder.first_seq !== null) {
          console.log(`  seq ${folder.first_seq}..${folder.last_seq} of org ${folder.org_id}, contiguous${folder.first_seq === 1 ? " from the first event" : ` (the folder starts at seq ${folder.first_seq})`}`);
          const proven = folder.segments.filter((sg) => sg.proven);
          if (proven.length > 0) console.log(`  ${proven.length} segment(s) proven in the org's signed tree (heads up to size ${Math.max(...proven.map((sg) => sg.proven!.tree_size))}, by key ${proven.at(-1)!.proven!.verifier_key})`);
          if (folder.unproven.length > 0) console.log(`  ${folder.unproven.length} segment(s) from before manifests carried proofs: their chains verified, not proven in the tree`);
        }
        for (const problem of folder.problems.slice(0, 20)) console.log(`  ✗ ${problem}`);
      }
      return folder.ok ? 0 : 2;
    }
    const checkpoint = values.checkpoint === undefined ? undefined : await readKeptHead(values.checkpoint, cwd);
    if (values.api !== undefined && !/^https?:\/\//i.test(values.api)) throw new UsageError("--api takes Vigil's base URL, such as https://vigil.example.com");
    const result = await verifyFile(file, {
      checkpoint,
      keys: values.key,
      consistency: values.api === undefined ? undefined : consistencyFrom(values.api, process.env.VIGIL_API_KEY),
    });
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`${result.ok ? "OK" : "FAILED"}: ${result.checked} event(s) checked in ${sub}`);
      if (result.first_seq !== null) console.log(`  seq ${result.first_seq}..${result.last_seq}, last hash ${result.last_hash}`);
      const p = result.proven;
      if (p) {
        console.log(p.unfiltered
          ? `  every event of org ${p.org_id}'s log up to seq ${p.tree_size} that is still kept, proven against its signed tree head`
          : `  ${p.count} event(s) proven in org ${p.org_id}'s log of size ${p.tree_size} (filter: ${p.filter})`);
        console.log(`  signed tree head of size ${p.tree_size}, root ${p.root_hash}, by key ${p.verifier_key}`);
        if (values.key?.length) console.log("  that key is one you trust (--key)");
        else console.log("  compare that key with your org's published keys (GET /api/v1/chain/checkpoints), or pass it with --key");
        if (result.kept) console.log(`  ${result.kept}`);
      } else if (result.gaps > 0 && result.problems.length === 0) console.log(`  ${result.gaps} gap(s) in seq; each event still verified`);
      for (const problem of result.problems.slice(0, 20)) console.log(`  ✗ ${problem}`);
    }
    return result.ok ? 0 : 2;
  }

  if (command === "restore") {
    if (!sub) throw new UsageError("restore needs a FILE (a segment .ndjson.gz or an NDJSON export)");
    const file = resolveInputFile(sub, process.env.VIGIL_CALLER_CWD ?? process.cwd());
    return withDatabase(async () => {
      const result = await restoreSegment(file);
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(`${result.ok ? "OK" : "FAILED"}: ${result.events} event(s) restored into ${result.table}`);
        if (result.first_seq !== null) console.log(`  seq ${result.first_seq}..${result.last_seq}`);
        if (result.manifest) console.log(`  manifest sha256 ${result.manifest.sha256_matches ? "matches" : "DOES NOT match"}`);
        for (const p of result.problems.slice(0, 20)) console.log(`  ✗ ${p}`);
        console.log(`  Query it with SQL; \`drop table ${result.table}\` when the investigation is done.`);
      }
      return result.ok ? 0 : 2;
    });
  }

  if (command === "org" && sub === "create") {
    const name = rest.join(" ").trim();
    if (!name) throw new UsageError("org create needs a NAME");
    if (values.admin && !values.password) throw new UsageError("--admin needs --password");
    return withDatabase(async () => {
      const created = await createOrganization({
        name,
        slug: values.slug,
        admin: values.admin ? { email: values.admin, password: values.password! } : undefined,
      });
      if (values.json) console.log(JSON.stringify({ org: { id: created.org.id, slug: created.org.slug }, api_key: created.apiKey.key }));
      else {
        console.log(`Created organization ${created.org.name} (slug ${created.org.slug}, id ${created.org.id})`);
        console.log(`API key (shown once, scopes ${created.apiKey.scopes.join(",")}): ${created.apiKey.key}`);
      }
      return 0;
    });
  }

  if (command === "apikey" && sub === "create") {
    const scopes = parseScopes(values.scopes);
    return withDatabase(async () => {
      const org = await orgOf(values.org);
      const key = await createApiKey(org.id, { name: values.name ?? "CLI key", scopes, createdBy: { label: `command line (${os.userInfo().username})` } });
      if (values.json) console.log(JSON.stringify({ api_key: key.key }));
      else console.log(`API key for ${org.slug} (shown once, scopes ${key.scopes.join(",")}): ${key.key}`);
      return 0;
    });
  }

  if (command === "seed") {
    const count = Number(values.events);
    if (!Number.isInteger(count) || count <= 0) throw new UsageError("seed needs --events N (a positive integer)");
    const days = values.days ? Number(values.days) : 395;
    return withDatabase(async () => {
      const org = values.org
        ? await orgOf(values.org)
        : (await createOrganization({ name: `Seeded ${count.toLocaleString("en-US")}`, slug: `seed-${Date.now().toString(36)}` })).org;
      const to = new Date();
      const from = new Date(to.getTime() - days * 24 * 3600_000);
      let lastPrint = 0;
      const result = await seedEvents(org.id, {
        count,
        from,
        to,
        onProgress: (n: number) => {
          if (Date.now() - lastPrint > 5000) {
            lastPrint = Date.now();
            console.error(`  ${n.toLocaleString("en-US")} / ${count.toLocaleString("en-US")}`);
          }
        },
      });
      const rate = Math.round(result.inserted / (result.ms / 1000));
      console.log(`Seeded ${result.inserted.toLocaleString("en-US")} events into ${org.slug} in ${(result.ms / 1000).toFixed(1)} s (${rate.toLocaleString("en-US")}/s)`);
      return 0;
    });
  }

  if (command === "checkpoint") {
    return withDatabase(async () => {
      const org = await orgOf(values.org);
      const cp = await takeCheckpoint(org.id);
      console.log(JSON.stringify({ org: org.slug, seq: cp.seq, hash: cp.hash, root_hash: cp.rootHash, signed_at: cp.signedAt.toISOString(), key_id: cp.keyId, note: cp.note }));
      return 0;
    });
  }

  if (command === "keys" && sub === "rotate") {
    return withDatabase(async () => {
      try {
        const key = await rotateSigningKey();
        console.log(`New signing key ${key.id}: checkpoints from now on are signed with it; older ones still verify with theirs.`);
        console.log(`  verifier key: ${key.verifierKey}`);
        return 0;
      } catch (err) {
        if (!(err instanceof RotationRefused)) throw err;
        console.error(`vigil: ${err.message}`);
        return 1;
      }
    });
  }

  if (command === "migrate") {
    return withDatabase(async () => {
      console.log("Database is migrated.");
      return 0;
    }, { log: true });
  }

  if (command === "db") {
    const e = env();
    const dataDir = path.resolve(e.VIGIL_DATA_DIR);
    if (sub === "url") {
      console.log(e.DATABASE_URL ?? embeddedUrl(dataDir, e.VIGIL_DB_PORT));
      return 0;
    }
    if (sub === "stop") {
      const pid = embeddedPid(dataDir);
      if (!pid) {
        console.log("The embedded database is not running.");
        return 0;
      }
      await stopPid(pid);
      console.log(`Stopped the embedded database (pid ${pid}).`);
      return 0;
    }
    if (sub === "start") {
      if (e.DATABASE_URL) throw new UsageError("DATABASE_URL is set: there is no embedded database to start");
      const db = await connectDatabase((l) => console.error(l));
      await prepareDatabase(db.url, (l) => console.error(l));
      await closePool();
      console.log(db.url);
      if (db.embedded?.reused) return 0;
      console.error("The embedded database runs until you press Ctrl-C.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await db.embedded?.stop();
      return 0;
    }
    throw new UsageError("db needs url, start or stop");
  }

  throw new UsageError(`unknown command '${[command, sub].filter(Boolean).join(" ")}'`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // A file that can't be read: one line, and the exit code of a failed verification.
    if (err instanceof InputFileError || err instanceof KeptHeadError) {
      console.error(`vigil: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof UsageError) {
      console.error(`vigil: ${err.message}\n\n${USAGE}`);
      process.exit(64);
    }
    if (err instanceof EnvError || err instanceof EmbeddedDatabaseError || (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      console.error(`vigil: ${(err as Error).message}`);
      process.exit(64);
    }
    console.error(`vigil: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
