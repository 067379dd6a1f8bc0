import crypto from "node:crypto";
import { uuidv7 } from "uuidv7";
import { withTransaction } from "@/lib/db/pool";
import { hashPassword } from "@/lib/auth/passwords";
import { createOrganization, ensureBuiltInRoles, findOrgBySlug } from "@/lib/orgs/create-org";
import { takeCheckpoint } from "@/lib/integrity/checkpoints";
import { categoryOf, generateDrafts, insertEventBodies, personId, USER_AGENTS, type EventBody, type PersonRole, type SeedPerson } from "@/lib/seed/generate";

/**
 * The demo organization (slug `demo`), seeded on a first start with no bootstrap settings:
 * the people of company.com with fitting roles, the product brief's story events, and
 * about 40,000 background events over the last 13 months — all appended through the hash
 * chain, oldest first, and signed by a checkpoint at the end.
 *
 * Figures of the LAST 30 DAYS, exact by construction (the security report and the reports
 * page must show these; "last 30 days" = occurred_at >= now() - interval '30 days'):
 *
 *   failed logins   = count of action = 'LOGIN_FAILED'                              = 45
 *                     (also = category 'authentication' with status 'failed': the
 *                     background of the last 32 days has no other auth failures)
 *   from the attacker = of those, ip = '192.0.2.100'                               = 30
 *                     (6 bursts of 5 attempts; the last one is hacker@evil.com's story event)
 *   data exports    = count of category = 'export' and action <> 'REPORT_DOWNLOADED'
 *                     (DATA_EXPORTED and the custom EXPORTED_CONTACTS)              = 12
 *   records exported = sum of (metadata->>'records')::int over those               = 30,000
 *                     (average 2,500), all by the manager team: manager@company.com
 *                     and john.silva@company.com (distinct actor_email = 2)
 *   settings changes = count of category = 'settings'
 *                     (SETTINGS_CHANGED + PERMISSIONS_CHANGED)                      = 8
 *                     by exactly 2 administrators: admin@company.com and carla@company.com
 *
 * How: the background generator excludes those kinds from the last 32 days (a margin for
 * windows rounded to the start of a day), and the exact events are added by hand between
 * 1 hour and 28 days ago, so the figures still hold a day after seeding. All events are
 * successes except the logins that failed. Everything older than 32 days is unconstrained.
 */

export const DEMO_SLUG = "demo";
export const DEMO_NAME = "Company (demo)";
export const DEMO_TIMEZONE = "America/Sao_Paulo";
/** São Paulo has kept UTC−3 all year since 2019. */
const UTC_OFFSET_MINUTES = -180;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ATTACKER_IP = "192.0.2.100";

export interface DemoPerson extends SeedPerson {
  /** The built-in role of the person's membership. */
  role: PersonRole;
}

/** The people of company.com (the product brief) and their usual desks. */
export const DEMO_PEOPLE: DemoPerson[] = [
  { email: "owner@company.com", name: "Otávio Ribeiro", role: "owner", ip: "203.0.113.10", userAgent: USER_AGENTS.safariMac, location: "São Paulo, BR" },
  { email: "admin@company.com", name: "Ana Lima", role: "admin", ip: "203.0.113.45", userAgent: USER_AGENTS.chromeWindows, location: "São Paulo, BR" },
  { email: "carla@company.com", name: "Carla Mendes", role: "admin", ip: "198.51.100.64", userAgent: USER_AGENTS.firefoxLinux, location: "Campinas, BR" },
  { email: "manager@company.com", name: "Marcos Pereira", role: "manager", ip: "203.0.113.50", userAgent: USER_AGENTS.chromeWindows, location: "São Paulo, BR" },
  { email: "john.silva@company.com", name: "John Silva", role: "manager", ip: "203.0.113.45", userAgent: USER_AGENTS.edgeWindows, location: "São Paulo, BR" },
  { email: "director@company.com", name: "Diana Rocha", role: "director", ip: "198.51.100.31", userAgent: USER_AGENTS.safariMac, location: "Rio de Janeiro, BR" },
  { email: "auditor@company.com", name: "Augusto Nunes", role: "auditor", ip: "198.51.100.142", userAgent: USER_AGENTS.firefoxWindows, location: "Belo Horizonte, BR" },
  { email: "agent@company.com", name: "Alice Gomes", role: "agent", ip: "203.0.113.45", userAgent: USER_AGENTS.chromeWindows, location: "São Paulo, BR" },
  { email: "maria@company.com", name: "Maria Oliveira", role: "agent", ip: "198.51.100.20", userAgent: USER_AGENTS.chromeWindows, location: "Curitiba, BR" },
  { email: "john@company.com", name: "John Carter", role: "agent", ip: "198.51.100.77", userAgent: USER_AGENTS.firefoxUbuntu, location: "São Paulo, BR" },
  { email: "newagent@company.com", name: "Nina Barbosa", role: "agent", ip: "203.0.113.45", userAgent: USER_AGENTS.chrome121Windows, location: "São Paulo, BR" },
];

export interface SeedDemoOptions {
  /** Everyone's password (VIGIL_DEMO_PASSWORD); generated when absent. At least 8 characters. */
  password?: string;
  /** Tests seed several demos into one database; the product uses `demo`. */
  slug?: string;
  name?: string;
  /** Background events over the 13 months (default 40,000). */
  events?: number;
  /** The moment the demo is built around (default now). */
  now?: Date;
  seed?: number;
  onProgress?: (inserted: number) => void;
}

export interface SeededDemo {
  org: { id: string; slug: string; name: string };
  users: { email: string; role: string }[];
  password: string;
  /** An API key with every scope, shown once. */
  apiKey: string;
  events: number;
}

export async function demoExists(slug = DEMO_SLUG): Promise<boolean> {
  return (await findOrgBySlug(slug)) !== undefined;
}

export function generateDemoPassword(): string {
  return crypto.randomBytes(12).toString("base64url");
}

export async function seedDemo(opts: SeedDemoOptions = {}): Promise<SeededDemo> {
  const slug = opts.slug ?? DEMO_SLUG;
  const password = opts.password ?? generateDemoPassword();
  if (password.length < 8) throw new Error("the demo password must have at least 8 characters");
  if (await demoExists(slug)) throw new Error(`an organization with slug "${slug}" already exists`);
  const now = (opts.now ?? new Date()).getTime();

  const owner = DEMO_PEOPLE.find((p) => p.role === "owner")!;
  const { org, apiKey } = await createOrganization({
    name: opts.name ?? DEMO_NAME,
    slug,
    timezone: DEMO_TIMEZONE,
    admin: { email: owner.email, name: owner.name, password },
  });

  // The other members. An account that already exists (another org's member) keeps its
  // own password: seeding a demo never takes over a real account.
  const roles = await ensureBuiltInRoles();
  const others = DEMO_PEOPLE.filter((p) => p !== owner);
  const hashes = await Promise.all(others.map(() => hashPassword(password)));
  await withTransaction(async (client) => {
    for (const [i, p] of others.entries()) {
      await client.query("insert into users (id, email, name, password_hash) values ($1, $2, $3, $4) on conflict (email) do nothing", [
        uuidv7(), p.email, p.name, hashes[i],
      ]);
      const user = await client.query<{ id: string }>("select id from users where email = $1", [p.email]);
      await client.query("insert into memberships (id, org_id, user_id, role_id) values ($1, $2, $3, $4) on conflict (org_id, user_id) do nothing", [
        uuidv7(), org.id, user.rows[0]!.id, roles.get(p.role),
      ]);
    }
  });

  const background = generateDrafts({
    count: opts.events ?? 40_000,
    from: new Date(now - 395 * DAY),
    to: new Date(now),
    seed: opts.seed ?? 2025,
    people: DEMO_PEOPLE,
    utcOffsetMinutes: UTC_OFFSET_MINUTES,
    exclude: constrainedSince(now - 32 * DAY),
  });
  const explicit = demoEvents(now);
  const { inserted } = await insertEventBodies(org.id, mergeByTime(background, explicit), { onProgress: opts.onProgress });
  await takeCheckpoint(org.id);

  return {
    org,
    users: DEMO_PEOPLE.map((p) => ({ email: p.email, role: p.role })),
    password,
    apiKey: apiKey.key,
    events: inserted,
  };
}

/** The kinds whose last-30-days figures the demo fixes, from `since` on. */
function constrainedSince(since: number): (e: EventBody) => boolean {
  const sinceIso = new Date(since).toISOString();
  return (e) => {
    if (e.occurred_at < sinceIso) return false;
    const category = categoryOf(e);
    if (category === "authentication" && (e.action === "LOGIN_FAILED" || e.status === "failed")) return true;
    if (category === "settings") return true;
    return category === "export" && e.action !== "REPORT_DOWNLOADED";
  };
}

/** Two oldest-first streams as one. */
function* mergeByTime(a: Iterable<EventBody>, b: EventBody[]): Generator<EventBody> {
  let j = 0;
  for (const e of a) {
    while (j < b.length && b[j]!.occurred_at <= e.occurred_at) yield b[j++]!;
    yield e;
  }
  while (j < b.length) yield b[j++]!;
}

// ---------------------------------------------------------------------------------------
// The hand-made events: the brief's stories and the exact last-30-days figures

function person(email: string): DemoPerson {
  const p = DEMO_PEOPLE.find((x) => x.email === email);
  if (!p) throw new Error(`not a demo person: ${email}`);
  return p;
}

function actor(email: string): NonNullable<EventBody["actor"]> {
  const p = person(email);
  return { type: "user", id: personId(email), email: p.email, name: p.name };
}

/** The person's usual desk; a deterministic request id per event. */
function desk(email: string, key: string, overrides: Partial<NonNullable<EventBody["context"]>> = {}): NonNullable<EventBody["context"]> {
  const p = person(email);
  return {
    ip: p.ip,
    user_agent: p.userAgent,
    location: p.location,
    request_id: `req_${crypto.createHash("sha256").update(key).digest("hex").slice(0, 20)}`,
    ...overrides,
  };
}

export function demoEvents(nowMs: number): EventBody[] {
  /** `daysAgo` days before today (São Paulo), at a local wall-clock time. */
  const at = (daysAgo: number, time: string): string => {
    const [h = 0, m = 0, s = 0] = time.split(":").map(Number);
    const localNow = nowMs + UTC_OFFSET_MINUTES * 60_000;
    const localMidnight = Math.floor(localNow / DAY) * DAY;
    const t = localMidnight - daysAgo * DAY + ((h * 60 + m) * 60 + s) * 1000 - UTC_OFFSET_MINUTES * 60_000;
    return new Date(t).toISOString();
  };
  const events: EventBody[] = [];
  const add = (e: EventBody) => events.push(e);
  const story = (key: string, e: Omit<EventBody, "idempotency_key">) => add({ ...e, idempotency_key: `demo-story-${key}` });
  const session = (email: string, day: number) => ({ session_id: `sess_${crypto.createHash("sha256").update(`${email}:${day}`).digest("hex").slice(0, 8)}` });

  // --- The stories of the product brief ---------------------------------------------
  story("maria-login", {
    action: "LOGIN_SUCCESS", occurred_at: at(1, "08:58:12"), actor: actor("maria@company.com"),
    context: desk("maria@company.com", "maria-login", { ip: "198.51.100.20", user_agent: USER_AGENTS.chromeWindows }),
    metadata: { ...session("maria@company.com", 1), method: "password", mfa: true },
  });
  story("john-logout", {
    action: "LOGOUT", occurred_at: at(1, "18:05:40"), actor: actor("john@company.com"),
    context: desk("john@company.com", "john-logout"), metadata: { ...session("john@company.com", 1), trigger: "user", session_minutes: 547 },
  });
  const contact = { type: "contact", id: "12345", name: "John Silva" };
  story("contact-created", {
    action: "CONTACT_CREATED", occurred_at: at(3, "10:12:03"), actor: actor("agent@company.com"), targets: [contact],
    context: desk("agent@company.com", "contact-created"), metadata: { ...session("agent@company.com", 3), source: "Manual import" },
  });
  story("contact-updated", {
    action: "CONTACT_UPDATED", occurred_at: at(3, "11:30:25"), actor: actor("agent@company.com"), targets: [contact],
    context: desk("agent@company.com", "contact-updated"),
    changes: [
      { field: "phone", before: "+55 11 91234-5678", after: "+55 11 99876-5432" },
      { field: "email", before: "john.silva@gmail.example", after: "john.silva@silvaconsulting.example" },
      { field: "plan", before: "Free", after: "Premium" },
    ],
    metadata: { ...session("agent@company.com", 3), fields_changed: 3 },
  });
  story("contact-deleted", {
    action: "CONTACT_DELETED", occurred_at: at(2, "16:40:51"), actor: actor("admin@company.com"),
    targets: [{ type: "contact", id: "12340", name: "Maria Santos" }], context: desk("admin@company.com", "contact-deleted"),
    reason: "GDPR deletion request", metadata: { ...session("admin@company.com", 2), permanent: true },
  });
  story("integration-openai", {
    action: "INTEGRATION_ENABLED", occurred_at: at(5, "15:20:09"), actor: actor("admin@company.com"),
    targets: [{ type: "integration", id: "openai", name: "OpenAI" }], context: desk("admin@company.com", "integration-openai"),
    metadata: { ...session("admin@company.com", 5), integration: "OpenAI", configured: ["API Key", "Model GPT-4"] },
  });
  story("report-downloaded", {
    action: "REPORT_DOWNLOADED", occurred_at: at(1, "10:15:33"), actor: actor("director@company.com"),
    targets: [{ type: "report", id: "rpt_conversations_2025_01", name: "Conversations (Jan 2025)" }],
    context: desk("director@company.com", "report-downloaded"),
    metadata: { ...session("director@company.com", 1), report: "Conversations (Jan 2025)", format: "PDF", size: "2.5 MB", size_bytes: 2_621_440 },
  });

  // --- Failed logins: 30 from the attacker's address, in 6 bursts of 5 -------------------
  const bursts: Array<[string, number, string]> = [
    ["hacker@evil.com", 2, "03:13:05"], // ends with the story event
    ["admin@company.com", 6, "02:41:10"],
    ["owner@company.com", 9, "23:50:00"],
    ["hacker@evil.com", 13, "04:05:30"],
    ["director@company.com", 18, "01:22:45"],
    ["admin@company.com", 24, "03:33:18"],
  ];
  for (const [email, daysAgo, start] of bursts) {
    const t0 = Date.parse(at(daysAgo, start));
    for (let attempt = 1; attempt <= 5; attempt++) {
      const body: EventBody = {
        action: "LOGIN_FAILED",
        occurred_at: new Date(t0 + (attempt - 1) * 53_000 + attempt * 1_117).toISOString(),
        status: "failed",
        actor: email === "hacker@evil.com" ? { type: "user", email } : { ...actor(email) },
        context: { ip: ATTACKER_IP, user_agent: USER_AGENTS.firefoxLinux, location: "Amsterdam, NL", request_id: `req_${crypto.createHash("sha256").update(`${email}${daysAgo}${attempt}`).digest("hex").slice(0, 20)}` },
        reason: "Invalid password",
        metadata: { attempts: attempt, method: "password" },
      };
      if (daysAgo === 2 && attempt === 5) story("hacker-login-failed", body);
      else add(body);
    }
  }
  // ... and 15 more: the company's own people mistyping.
  const typos: Array<[string, number, string, string, number]> = [
    ["maria@company.com", 1, "08:57:20", "Invalid password", 1],
    ["john@company.com", 3, "09:02:11", "Invalid password", 1],
    ["agent@company.com", 4, "13:47:02", "Invalid password", 1],
    ["newagent@company.com", 5, "08:31:40", "Invalid password", 1],
    ["newagent@company.com", 5, "08:32:15", "Invalid password", 2],
    ["carla@company.com", 7, "10:15:09", "Invalid MFA code", 1],
    ["manager@company.com", 8, "08:40:55", "Invalid password", 1],
    ["john.silva@company.com", 10, "14:22:30", "Invalid password", 1],
    ["maria@company.com", 12, "09:10:44", "Password expired", 1],
    ["agent@company.com", 15, "17:05:12", "Invalid password", 1],
    ["director@company.com", 16, "07:58:03", "Invalid password", 1],
    ["auditor@company.com", 19, "11:30:27", "Invalid MFA code", 1],
    ["newagent@company.com", 21, "08:45:00", "Invalid password", 1],
    ["john@company.com", 23, "12:01:36", "Invalid password", 1],
    ["owner@company.com", 26, "19:00:00", "Invalid password", 1],
  ];
  for (const [email, daysAgo, time, reason, attempts] of typos) {
    add({
      action: "LOGIN_FAILED", occurred_at: at(daysAgo, time), status: "failed", actor: actor(email),
      context: desk(email, `typo-${email}-${daysAgo}-${time}`), reason, metadata: { attempts, method: "password" },
    });
  }

  // --- Data exports: 12 by the manager team, 30,000 records ---------------------------
  story("contacts-exported", {
    action: "EXPORTED_CONTACTS", category: "export", occurred_at: at(2, "11:05:47"), actor: actor("john.silva@company.com"),
    context: desk("john.silva@company.com", "contacts-exported", { ip: "203.0.113.45" }),
    metadata: { ...session("john.silva@company.com", 2), records: 1500, format: "CSV", description: "1,500 contacts exported to CSV" },
  });
  story("data-exported", {
    action: "DATA_EXPORTED", occurred_at: at(1, "09:30:18"), actor: actor("manager@company.com"),
    context: desk("manager@company.com", "data-exported", { ip: "203.0.113.50" }), reason: "Monthly report",
    metadata: { ...session("manager@company.com", 1), type: "Contacts CSV", records: 5000, fields: ["name", "email", "phone", "plan"], format: "CSV" },
  });
  const exports: Array<[string, number, string, string, number, string]> = [
    ["manager@company.com", 4, "10:20:00", "Tickets CSV", 1200, "Weekly SLA review"],
    ["john.silva@company.com", 6, "15:45:12", "Deals XLSX", 3000, "Pipeline review"],
    ["manager@company.com", 8, "09:15:40", "Contacts CSV", 2500, "Campaign list"],
    ["john.silva@company.com", 11, "11:40:05", "EXPORTED_CONTACTS", 800, "Partner handover"],
    ["manager@company.com", 13, "16:05:33", "Conversations JSON", 4200, "Quality audit"],
    ["john.silva@company.com", 15, "10:10:10", "Tickets CSV", 1800, "Backlog review"],
    ["manager@company.com", 18, "14:30:00", "Contacts CSV", 2750, "Campaign list"],
    ["john.silva@company.com", 20, "09:50:21", "Deals XLSX", 3100, "Forecast"],
    ["manager@company.com", 24, "11:25:48", "Tickets CSV", 1950, "Monthly report"],
    ["john.silva@company.com", 27, "15:00:00", "EXPORTED_CONTACTS", 2200, "CRM migration"],
  ];
  const FIELDS: Record<string, string[]> = {
    "Tickets CSV": ["id", "subject", "status", "assignee", "created_at"],
    "Deals XLSX": ["name", "stage", "amount", "owner", "close_date"],
    "Contacts CSV": ["name", "email", "phone", "plan"],
    "Conversations JSON": ["ticket_id", "author", "body", "sent_at"],
  };
  for (const [email, daysAgo, time, type, records, reason] of exports) {
    const base = { occurred_at: at(daysAgo, time), actor: actor(email), context: desk(email, `export-${daysAgo}`), reason };
    if (type === "EXPORTED_CONTACTS") {
      add({
        ...base, action: "EXPORTED_CONTACTS", category: "export",
        metadata: { ...session(email, daysAgo), records, format: "CSV", description: `${records.toLocaleString("en-US")} contacts exported to CSV` },
      });
    } else {
      add({ ...base, action: "DATA_EXPORTED", metadata: { ...session(email, daysAgo), type, records, fields: FIELDS[type], format: type.split(" ")[1] } });
    }
  }

  // --- Settings changes: 8 by the two administrators ----------------------------------
  story("settings-sla", {
    action: "SETTINGS_CHANGED", occurred_at: at(4, "09:45:02"), actor: actor("admin@company.com"),
    targets: [{ type: "settings", id: "slapolicies", name: "SLA Policies" }], context: desk("admin@company.com", "settings-sla"),
    metadata: { ...session("admin@company.com", 4), section: "SLA Policies", action: 'Created new policy "VIP"', details: "FRT=5min, RT=2hours" },
  });
  story("permissions-newagent", {
    action: "PERMISSIONS_CHANGED", occurred_at: at(4, "10:02:37"), actor: actor("admin@company.com"),
    targets: [{ type: "user", id: personId("newagent@company.com"), name: "newagent@company.com" }],
    context: desk("admin@company.com", "permissions-newagent"),
    changes: [{ field: "role", before: "agent", after: "admin" }],
    metadata: { ...session("admin@company.com", 4), user: "newagent@company.com", new_role: "administrator", previous_role: "agent" },
  });
  const settings: Array<[string, number, string, string, string, string]> = [
    ["carla@company.com", 3, "14:10:26", "Business Hours", "Changed working days", "Mon–Fri 08:00–19:00, Sat 09:00–13:00"],
    ["carla@company.com", 9, "11:00:45", "Two-factor authentication", "Required for all administrators", "TOTP or WebAuthn"],
    ["admin@company.com", 12, "16:20:13", "Notifications", "Enabled digest email", "Daily at 08:00"],
    ["carla@company.com", 22, "15:40:38", "Data Retention", "Changed retention period", "Closed tickets kept 24 months"],
    ["admin@company.com", 26, "09:05:51", "Password Policy", "Raised minimum length", "min_length=12"],
  ];
  for (const [email, daysAgo, time, section, action, details] of settings) {
    add({
      action: "SETTINGS_CHANGED", occurred_at: at(daysAgo, time), actor: actor(email),
      targets: [{ type: "settings", id: section.toLowerCase().replace(/[^a-z0-9]+/g, ""), name: section }],
      context: desk(email, `settings-${daysAgo}`), metadata: { ...session(email, daysAgo), section, action, details },
    });
  }
  add({
    action: "PERMISSIONS_CHANGED", occurred_at: at(17, "10:35:19"), actor: actor("carla@company.com"),
    targets: [{ type: "user", id: personId("john.silva@company.com"), name: "john.silva@company.com" }],
    context: desk("carla@company.com", "permissions-john-silva"),
    changes: [{ field: "role", before: "agent", after: "manager" }],
    metadata: { ...session("carla@company.com", 17), user: "john.silva@company.com", new_role: "manager", previous_role: "agent" },
  });

  // Every constrained event sits between 1 hour and 29 days ago, so the figures hold for
  // a day after seeding; a mistake in the tables above fails loudly here.
  for (const e of events) {
    const t = Date.parse(e.occurred_at);
    if (t > nowMs - HOUR || t < nowMs - 29 * DAY) throw new Error(`demo event ${e.action} at ${e.occurred_at} is outside the 1 h – 29 d window`);
  }
  return events.sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0));
}
