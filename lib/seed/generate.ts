import { appendEvents, inAppendTransaction } from "@/lib/events/ingest";
import { toDraft, type EventDraft } from "@/lib/events/record";
import { inferCategory, type Category, type Status } from "@/lib/events/catalog";

/**
 * The realistic audit-event generator behind `npx vigil seed --events N`, the demo
 * organization and the benchmarks.
 *
 * - Deterministic: one seed gives the same events (ids, received_at and the hashes aside,
 *   which the chain assigns). The PRNG is mulberry32, written here.
 * - Streaming: events come out of a generator in occurred_at order, so seq follows time
 *   and 10M events never sit in memory at once. Times follow a working week in the given
 *   UTC offset (busy weekday office hours, quiet nights and weekends, slow growth over the
 *   period, busier and quieter days).
 * - Plausible: a CRM/help-desk product's trail — sign-ins from the documentation IP
 *   ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) with real
 *   browser user agents; contacts, deals and tickets created, updated (with before/after),
 *   viewed and deleted; settings, permission and integration changes; API calls and
 *   webhook deliveries; exports and report downloads. Mostly `success`, some `failed`
 *   and `pending`. Each event is the body of POST /api/v1/events and passes `toDraft`.
 *
 * 192.0.2.100 is never produced: the demo reserves it for its attacker.
 */

// ---------------------------------------------------------------------------------------
// Randomness

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  hex(length: number): string {
    let s = "";
    while (s.length < length) s += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, "0");
    return s.slice(0, length);
  }
  /** Picks from [value, weight] pairs. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1]![0];
  }
  /** A few distinct items, in their original order. */
  some<T>(items: readonly T[], min: number, max: number): T[] {
    const n = this.int(min, Math.min(max, items.length));
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(this.next() * items.length));
    return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
  }
}

/** A small stable string hash (FNV-1a), for ids derived from names. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------
// The body of POST /api/v1/events

export interface EventBody {
  action: string;
  occurred_at: string;
  category?: Category;
  status?: Status;
  actor?: { type: "user" | "api" | "system"; id?: string; email?: string; name?: string };
  targets?: Array<{ type: string; id: string; name?: string }>;
  context?: { ip?: string; user_agent?: string; location?: string; request_id?: string };
  reason?: string;
  changes?: Array<{ field: string; before?: unknown; after?: unknown }>;
  metadata?: Record<string, unknown>;
  idempotency_key?: string;
}

/** The category an event body will be stored with (its own, else the catalog's). */
export function categoryOf(e: Pick<EventBody, "action" | "category">): Category | undefined {
  return e.category ?? inferCategory(e.action);
}

// ---------------------------------------------------------------------------------------
// People

export type PersonRole = "owner" | "admin" | "manager" | "director" | "auditor" | "agent";

export interface SeedPerson {
  email: string;
  name: string;
  role: PersonRole;
  /** The integrator's own user id; derived from the email when absent. */
  id?: string;
  /** Usual address (office or home); generated when absent. */
  ip?: string;
  /** Usual desktop browser; generated when absent. */
  userAgent?: string;
  location?: string;
  /** How active the person is relative to others (default by role). */
  weight?: number;
}

interface Persona extends Required<SeedPerson> {
  mobileUserAgent: string;
  ipv6: string;
  mfa: boolean;
  loginMethod: string;
}

export const USER_AGENTS = {
  chromeWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  chrome121Windows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
  edgeWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
  safariMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
  chromeMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
  firefoxUbuntu: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
  safariIphone: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
  safariIpad: "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  chromeAndroid: "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
  chromeAndroidPixel: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.210 Mobile Safari/537.36",
} as const;

const DESKTOP_AGENTS: ReadonlyArray<readonly [string, number]> = [
  [USER_AGENTS.chromeWindows, 30], [USER_AGENTS.chrome121Windows, 10], [USER_AGENTS.edgeWindows, 8],
  [USER_AGENTS.safariMac, 14], [USER_AGENTS.chromeMac, 12], [USER_AGENTS.firefoxLinux, 6],
  [USER_AGENTS.firefoxUbuntu, 4], [USER_AGENTS.firefoxWindows, 4],
];
const MOBILE_AGENTS: ReadonlyArray<readonly [string, number]> = [
  [USER_AGENTS.safariIphone, 45], [USER_AGENTS.chromeAndroid, 30], [USER_AGENTS.chromeAndroidPixel, 15], [USER_AGENTS.safariIpad, 10],
];
const API_AGENTS = ["python-requests/2.31.0", "axios/1.6.2", "Zapier", "Go-http-client/2.0", "curl/8.4.0", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"];

const LOCATIONS: ReadonlyArray<readonly [string, number]> = [
  ["São Paulo, BR", 40], ["Rio de Janeiro, BR", 12], ["Belo Horizonte, BR", 8], ["Curitiba, BR", 6], ["Porto Alegre, BR", 5],
  ["Lisbon, PT", 6], ["New York, US", 5], ["Austin, US", 4], ["London, GB", 4], ["Berlin, DE", 3], ["Toronto, CA", 3],
];

const FIRST_NAMES = [
  "Ana", "Bruno", "Camila", "Daniel", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João", "Larissa", "Lucas",
  "Mariana", "Mateus", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Thiago", "Vitória", "William", "Yasmin", "Emily",
  "James", "Olivia", "Noah", "Chloe", "Liam", "Priya", "Kenji", "Fatima", "Tomás", "Inês", "Diego", "Lucía",
];
const LAST_NAMES = [
  "Oliveira", "Souza", "Lima", "Pereira", "Ferreira", "Costa", "Rodrigues", "Almeida", "Nascimento", "Carvalho", "Araújo",
  "Ribeiro", "Gomes", "Martins", "Barbosa", "Rocha", "Dias", "Teixeira", "Moreira", "Cardoso", "Mendes", "Castro",
  "Smith", "Johnson", "Brown", "Müller", "Tanaka", "Patel", "García", "O'Brien",
];
const COMPANIES = [
  "Acme Corp", "Globex", "Initech", "Umbrella Saúde", "Stark Logística", "Wayne Foods", "Tyrell Systems", "Soylent Bebidas",
  "Hooli", "Vandelay Imports", "Pied Piper", "Cyberdyne Energia", "Wonka Doces", "Gringotts Finanças", "Oceanic Air",
  "Aperture Labs", "Massive Dynamic", "Nakatomi Trading", "Duff Brewing", "Monarch Seguros",
];
const PLANS = ["Free", "Starter", "Pro", "Premium", "Enterprise"];

function ascii(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]/g, "").toLowerCase();
}

const ROLE_WEIGHT: Record<PersonRole, number> = { owner: 0.25, admin: 0.7, manager: 0.9, director: 0.35, auditor: 0.3, agent: 1.2 };

/** Documentation-range addresses; never 192.0.2.100 (the demo's attacker). */
function personIp(rng: Rng): string {
  if (rng.chance(0.45)) return `203.0.113.${rng.int(10, 60)}`; // offices behind NAT
  return `198.51.100.${rng.int(1, 254)}`;
}

function ipv6(rng: Rng): string {
  return `2001:db8:${rng.int(1, 0xffff).toString(16)}:${rng.int(1, 0xffff).toString(16)}::${rng.int(1, 0xffff).toString(16)}`;
}

/** `count` people with distinct names and emails at `domain`, roles spread like a real team. */
export function generatePeople(count = 100, seed = 1, domain = "example.com"): SeedPerson[] {
  const rng = new Rng(mulberry32(seed ^ 0x5eed));
  const people: SeedPerson[] = [];
  const used = new Set<string>();
  const roles: PersonRole[] = ["owner"];
  for (let i = 1; i < count; i++) {
    const r = i / count;
    roles.push(r < 0.05 ? "admin" : r < 0.15 ? "manager" : r < 0.18 ? "director" : r < 0.2 ? "auditor" : "agent");
  }
  for (let i = 0; i < count; i++) {
    let first = "";
    let last = "";
    let email = "";
    for (let attempt = 0; attempt < 1000; attempt++) {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
      email = `${ascii(first)}.${ascii(last)}${attempt >= 200 ? attempt : ""}@${domain}`;
      if (!used.has(email)) break;
    }
    used.add(email);
    people.push({ email, name: `${first} ${last}`, role: roles[i]! });
  }
  return people;
}

/** The integrator-side user id of a person without one: stable, derived from the email. */
export function personId(email: string): string {
  return `usr_${fnv1a(email.toLowerCase()).toString(36)}`;
}

function personas(people: readonly SeedPerson[], rng: Rng): Persona[] {
  return people.map((p) => {
    const email = p.email.toLowerCase();
    return {
      email,
      name: p.name,
      role: p.role,
      id: p.id ?? personId(email),
      ip: p.ip ?? personIp(rng),
      userAgent: p.userAgent ?? rng.weighted(DESKTOP_AGENTS),
      location: p.location ?? rng.weighted(LOCATIONS),
      weight: p.weight ?? ROLE_WEIGHT[p.role],
      mobileUserAgent: rng.weighted(MOBILE_AGENTS),
      ipv6: ipv6(rng),
      mfa: rng.chance(p.role === "agent" ? 0.5 : 0.9),
      loginMethod: rng.weighted([["password", 6], ["sso", 3], ["google", 1]] as const),
    };
  });
}

// ---------------------------------------------------------------------------------------
// Time: sorted times with a working week's rhythm, streamed

/** Relative activity per local hour on a weekday. */
const HOURLY = [0.04, 0.03, 0.03, 0.03, 0.04, 0.08, 0.18, 0.4, 0.85, 1, 1, 0.95, 0.7, 0.85, 1, 1, 0.95, 0.85, 0.6, 0.35, 0.25, 0.2, 0.12, 0.07];
const WEEKEND = 0.16;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_BUCKETS = 200_000;

/**
 * Yields `count` times in [from, to], ascending. Sorted uniforms come from the
 * order-statistics recurrence u_k = 1 − (1 − u_{k−1})·V^(1/remaining), one at a time, and
 * are mapped through the inverse CDF of an hourly activity curve (a monotone map, so the
 * order survives). Memory is the curve's buckets, not the events.
 */
class TimeStream {
  private readonly bucketMs: number;
  private readonly cum: Float64Array;
  private cur = 0;
  private remaining: number;
  private bucket = 0;

  constructor(private readonly from: number, private readonly to: number, count: number, seed: number, utcOffsetMinutes: number) {
    const span = Math.max(1, to - from);
    this.bucketMs = Math.max(HOUR, Math.ceil(span / MAX_BUCKETS));
    const n = Math.max(1, Math.ceil(span / this.bucketMs));
    this.cum = new Float64Array(n + 1);
    const rng = new Rng(mulberry32(seed ^ 0x7173));
    const dayFactor = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const start = from + i * this.bucketMs;
      const local = new Date(start + utcOffsetMinutes * 60_000);
      const day = Math.floor((start + utcOffsetMinutes * 60_000) / DAY);
      let f = dayFactor.get(day);
      if (f === undefined) {
        f = rng.chance(0.04) ? 1.8 : 0.75 + rng.next() * 0.5;
        dayFactor.set(day, f);
        if (dayFactor.size > 4) dayFactor.delete(dayFactor.keys().next().value!);
      }
      const dow = local.getUTCDay();
      const covered = Math.min(this.bucketMs, to - start) / this.bucketMs;
      const growth = 0.55 + 0.45 * (i / n);
      const w = (this.bucketMs > HOUR ? 0.5 : HOURLY[local.getUTCHours()]!) * (dow === 0 || dow === 6 ? WEEKEND : 1) * growth * f * Math.max(0, covered);
      this.cum[i + 1] = this.cum[i]! + w;
    }
    this.remaining = count;
  }

  next(rand: () => number): number {
    const v = 1 - rand(); // (0, 1]
    this.cur = 1 - (1 - this.cur) * Math.pow(v, 1 / this.remaining);
    this.remaining--;
    const n = this.cum.length - 1;
    const target = this.cur * this.cum[n]!;
    while (this.bucket < n - 1 && this.cum[this.bucket + 1]! < target) this.bucket++;
    const lo = this.cum[this.bucket]!;
    const hi = this.cum[this.bucket + 1]!;
    const frac = hi > lo ? Math.min(1, Math.max(0, (target - lo) / (hi - lo))) : 0;
    return Math.min(this.to, Math.floor(this.from + (this.bucket + frac) * this.bucketMs));
  }
}

// ---------------------------------------------------------------------------------------
// Events

interface Ctx {
  rng: Rng;
  at: number;
  person: Persona;
  people: Persona[];
}

type Kind = {
  action: string;
  weight: number;
  /** Who does it; undefined: not a person (API client, system). */
  roles?: readonly PersonRole[];
  build: (c: Ctx) => Omit<EventBody, "occurred_at" | "action">;
};

const EVERYONE: readonly PersonRole[] = ["owner", "admin", "manager", "director", "auditor", "agent"];
const WORKERS: readonly PersonRole[] = ["owner", "admin", "manager", "agent"];
const ADMINS: readonly PersonRole[] = ["owner", "admin"];

function userActor(p: Persona): NonNullable<EventBody["actor"]> {
  return { type: "user", id: p.id, email: p.email, name: p.name };
}

/** Where a person acts from: mostly their usual desk, sometimes their phone. */
function userContext(c: Ctx): NonNullable<EventBody["context"]> {
  const { rng, person } = c;
  const mobile = rng.chance(0.14);
  return {
    ip: mobile ? (rng.chance(0.5) ? person.ipv6 : `198.51.100.${rng.int(101, 254)}`) : person.ip,
    user_agent: mobile ? person.mobileUserAgent : person.userAgent,
    location: person.location,
    request_id: `req_${rng.hex(20)}`,
  };
}

function sessionId(c: Ctx): string {
  return `sess_${fnv1a(`${c.person.email}:${Math.floor(c.at / (8 * HOUR))}`).toString(36)}`;
}

function platformOf(userAgent: string): { os: string; browser: string } {
  const os = /iPhone|iPad/.test(userAgent) ? "iOS" : /Android/.test(userAgent) ? "Android" : /Windows/.test(userAgent) ? "Windows"
    : /Macintosh/.test(userAgent) ? "macOS" : /Linux/.test(userAgent) ? "Linux" : "other";
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrome\//.test(userAgent) ? "Chrome"
    : /Safari\//.test(userAgent) ? "Safari" : "other";
  return { os, browser };
}

/** What the integrator's front end adds to every user event: session and client details. */
function client(c: Ctx, ctx: NonNullable<EventBody["context"]>): Record<string, unknown> {
  const mobile = ctx.user_agent === c.person.mobileUserAgent;
  return {
    session_id: sessionId(c),
    client: {
      app: mobile ? "mobile-web" : "web",
      version: `4.${12 + (Math.floor(c.at / (60 * DAY)) % 8)}.${c.rng.int(0, 9)}`,
      locale: c.person.location.endsWith("BR") ? "pt-BR" : c.person.location.endsWith("PT") ? "pt-PT" : "en-US",
      ...platformOf(ctx.user_agent ?? ""),
    },
  };
}

function personName(rng: Rng): string {
  for (;;) {
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    // The demo's story contacts are John Silva (#12345) and Maria Santos (#12340); keep them unique.
    if (name !== "John Silva" && name !== "Maria Santos") return name;
  }
}

function contactTarget(rng: Rng): NonNullable<EventBody["targets"]>[number] {
  return { type: "contact", id: String(rng.int(20_000, 89_999)), name: personName(rng) };
}

const TICKET_SUBJECTS = [
  "Cannot reset password", "Invoice shows wrong amount", "Integration with Slack stopped", "Export to CSV is slow",
  "Feature request: dark mode", "Two-factor code not arriving", "Refund request", "Cannot upload attachment",
  "Webhook returns 500", "Change billing address", "Account locked", "Missing emails in inbox", "SLA breach on urgent ticket",
];

function ticketTarget(rng: Rng): NonNullable<EventBody["targets"]>[number] {
  return { type: "ticket", id: String(rng.int(40_000, 99_999)), name: rng.pick(TICKET_SUBJECTS) };
}

function dealTarget(rng: Rng): NonNullable<EventBody["targets"]>[number] {
  return { type: "deal", id: `D-${rng.int(1000, 9999)}`, name: `${rng.pick(COMPANIES)} — ${rng.pick(PLANS.slice(1))} plan` };
}

function phone(rng: Rng): string {
  return `+55 11 9${rng.int(1000, 9999)}-${rng.int(1000, 9999)}`;
}

function contactChange(rng: Rng, field: string): { field: string; before: unknown; after: unknown } {
  switch (field) {
    case "phone":
      return { field, before: phone(rng), after: phone(rng) };
    case "email": {
      const local = ascii(rng.pick(FIRST_NAMES)) + "." + ascii(rng.pick(LAST_NAMES));
      return { field, before: `${local}@gmail.example`, after: `${local}@${ascii(rng.pick(COMPANIES))}.example` };
    }
    case "plan": {
      const i = rng.int(0, PLANS.length - 2);
      return rng.chance(0.8) ? { field, before: PLANS[i], after: PLANS[i + 1] } : { field, before: PLANS[i + 1], after: PLANS[i] };
    }
    case "company":
      return { field, before: rng.pick(COMPANIES), after: rng.pick(COMPANIES) };
    case "owner":
      return { field, before: null, after: `${ascii(rng.pick(FIRST_NAMES))}@company.example` };
    default:
      return { field, before: ["lead"], after: ["lead", rng.pick(["vip", "churn-risk", "newsletter", "partner"])] };
  }
}

const TICKET_STATUSES = ["new", "open", "pending", "on-hold", "solved", "closed"];
const PRIORITIES = ["low", "normal", "high", "urgent"];
const STAGES = ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"];

function dataKinds(entity: "CONTACT" | "DEAL" | "TICKET", scale: number): Kind[] {
  const target = entity === "CONTACT" ? contactTarget : entity === "DEAL" ? dealTarget : ticketTarget;
  const failed = (c: Ctx) => c.rng.chance(0.015);
  return [
    {
      action: `${entity}_VIEWED`, weight: 11 * scale, roles: EVERYONE,
      build: (c) => {
        const context = userContext(c);
        return {
          actor: userActor(c.person), targets: [target(c.rng)], context,
          metadata: { ...client(c, context), view: c.rng.weighted([["detail", 6], ["timeline", 2], ["search_result", 2]] as const) },
        };
      },
    },
    {
      action: `${entity}_CREATED`, weight: 4 * scale, roles: WORKERS,
      build: (c) => {
        const context = userContext(c);
        const bad = failed(c);
        return {
          actor: userActor(c.person), targets: [target(c.rng)], context, status: bad ? "failed" : "success",
          ...(bad ? { reason: "Validation error: email is already used by another contact" } : {}),
          metadata: {
            ...client(c, context),
            source: c.rng.weighted([["Web form", 4], ["Manual", 4], ["CSV import", 2], ["API", 2], ["Email", 2], ["WhatsApp", 1]] as const),
            ...(entity === "DEAL" ? { amount: c.rng.int(5, 400) * 100, currency: "BRL" } : {}),
            ...(entity === "TICKET" ? { channel: c.rng.pick(["email", "chat", "phone", "whatsapp"]), priority: c.rng.pick(PRIORITIES) } : {}),
          },
        };
      },
    },
    {
      action: `${entity}_UPDATED`, weight: 7 * scale, roles: WORKERS,
      build: (c) => {
        const context = userContext(c);
        const { rng } = c;
        let changes: NonNullable<EventBody["changes"]>;
        if (entity === "CONTACT") {
          changes = rng.some(["phone", "email", "plan", "company", "owner", "tags"], 1, 3).map((f) => contactChange(rng, f));
        } else if (entity === "TICKET") {
          const s = rng.int(0, TICKET_STATUSES.length - 2);
          changes = rng.some(["status", "priority", "assignee"], 1, 2).map((field) =>
            field === "status" ? { field, before: TICKET_STATUSES[s], after: TICKET_STATUSES[s + 1] }
              : field === "priority" ? { field, before: rng.pick(PRIORITIES), after: rng.pick(PRIORITIES) }
                : { field, before: rng.chance(0.5) ? null : rng.pick(c.people).email, after: rng.pick(c.people).email });
        } else {
          const s = rng.int(0, 3);
          changes = rng.some(["stage", "amount", "close_date"], 1, 2).map((field) =>
            field === "stage" ? { field, before: STAGES[s], after: STAGES[s + 1 + (s === 3 && rng.chance(0.3) ? 1 : 0)] }
              : field === "amount" ? { field, before: rng.int(5, 400) * 100, after: rng.int(5, 400) * 100 }
                : { field, before: new Date(c.at + rng.int(5, 30) * DAY).toISOString().slice(0, 10), after: new Date(c.at + rng.int(31, 90) * DAY).toISOString().slice(0, 10) });
        }
        const bad = failed(c);
        return {
          actor: userActor(c.person), targets: [target(rng)], context, changes, status: bad ? "failed" : "success",
          ...(bad ? { reason: "Conflict: the record was changed by someone else" } : {}),
          metadata: { ...client(c, context), fields_changed: changes.length },
        };
      },
    },
    {
      action: `${entity}_DELETED`, weight: 0.4 * scale, roles: ["owner", "admin", "manager"],
      build: (c) => {
        const context = userContext(c);
        const reason = c.rng.weighted([["Duplicate record", 5], ["Customer request", 3], ["GDPR deletion request", 2], ["Spam", 2], ["Test data cleanup", 1]] as const);
        return {
          actor: userActor(c.person), targets: [target(c.rng)], context, reason,
          metadata: { ...client(c, context), permanent: reason === "GDPR deletion request" || c.rng.chance(0.2) },
        };
      },
    },
  ];
}

const SETTINGS = [
  { section: "SLA Policies", action: 'Updated policy "Standard"', details: "FRT=1h, RT=8hours" },
  { section: "SLA Policies", action: 'Created new policy "Gold"', details: "FRT=15min, RT=4hours" },
  { section: "Business Hours", action: "Changed working days", details: "Mon–Sat 08:00–18:00" },
  { section: "Two-factor authentication", action: "Required for all administrators", details: "TOTP or WebAuthn" },
  { section: "Data Retention", action: "Changed retention period", details: "Closed tickets kept 24 months" },
  { section: "Notifications", action: "Enabled digest email", details: "Daily at 08:00" },
  { section: "Password Policy", action: "Raised minimum length", details: "min_length=12" },
  { section: "Single Sign-On", action: "Updated SAML certificate", details: "Expires 2027-03-01" },
  { section: "Auto-assignment", action: "Enabled round robin", details: "Team: Support L1" },
  { section: "Email Channels", action: 'Added address "support@company.example"', details: "DKIM verified" },
];

const INTEGRATIONS = [
  { name: "OpenAI", configured: ["API Key", "Model GPT-4"] },
  { name: "Slack", configured: ["Workspace", "Channel #support"] },
  { name: "Salesforce", configured: ["OAuth", "Sync contacts"] },
  { name: "HubSpot", configured: ["API Key", "Sync deals"] },
  { name: "Zapier", configured: ["API Key"] },
  { name: "Google Workspace", configured: ["OAuth", "Calendar"] },
  { name: "Microsoft Teams", configured: ["Tenant", "Channel Support"] },
  { name: "Stripe", configured: ["Restricted key", "Webhooks"] },
  { name: "WhatsApp Business", configured: ["Phone number", "Templates"] },
  { name: "Jira", configured: ["OAuth", "Project SUP"] },
];

const API_CLIENTS = [
  { id: "key_zap_4f1c", name: "Zapier integration" },
  { id: "key_wh_91ab", name: "Data warehouse sync" },
  { id: "key_mob_22de", name: "Mobile app backend" },
  { id: "key_bil_7c03", name: "Billing service" },
  { id: "key_bi_5e88", name: "BI dashboard" },
];
const ENDPOINTS: ReadonlyArray<readonly [string, string, number]> = [
  ["GET", "/v2/contacts", 30], ["GET", "/v2/contacts/{id}", 20], ["POST", "/v2/contacts", 6], ["PATCH", "/v2/contacts/{id}", 6],
  ["GET", "/v2/tickets", 18], ["POST", "/v2/tickets", 5], ["GET", "/v2/deals", 8], ["PATCH", "/v2/deals/{id}", 3],
  ["GET", "/v2/reports/usage", 2], ["DELETE", "/v2/contacts/{id}", 1],
];
const WEBHOOK_EVENTS = ["ticket.created", "ticket.updated", "contact.created", "contact.updated", "deal.won", "invoice.paid"];
const WEBHOOK_URLS = [
  "https://hooks.partner.example/vigil/inbound", "https://erp.company.example/webhooks/crm", "https://hooks.slack.example/services/T00/B00",
  "https://automation.example.net/catch/42/abc", "https://billing.company.example/hooks/crm-events",
];
const EXPORT_TYPES = [
  { type: "Contacts CSV", fields: ["name", "email", "phone", "plan"] },
  { type: "Tickets CSV", fields: ["id", "subject", "status", "assignee", "created_at"] },
  { type: "Deals XLSX", fields: ["name", "stage", "amount", "owner", "close_date"] },
  { type: "Conversations JSON", fields: ["ticket_id", "author", "body", "sent_at"] },
];
const REPORTS = ["Conversations", "SLA compliance", "Agent performance", "Sales pipeline", "Customer satisfaction (CSAT)", "Security summary"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function humanSize(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

const KINDS: Kind[] = [
  {
    action: "LOGIN_SUCCESS", weight: 8, roles: EVERYONE,
    build: (c) => {
      const context = userContext(c);
      return { actor: userActor(c.person), context, metadata: { ...client(c, context), method: c.person.loginMethod, mfa: c.person.mfa } };
    },
  },
  {
    action: "LOGIN_FAILED", weight: 1.1, roles: EVERYONE,
    build: (c) => {
      const { rng } = c;
      if (rng.chance(0.3)) {
        // Someone outside guessing accounts.
        const guess = rng.pick(["admin", "root", "support", "test", "info", ascii(rng.pick(FIRST_NAMES))]);
        return {
          actor: { type: "user", email: `${guess}@${c.person.email.split("@")[1]}` }, status: "failed",
          context: { ip: `192.0.2.${rng.pick([rng.int(1, 99), rng.int(101, 254)])}`, user_agent: rng.pick([USER_AGENTS.firefoxLinux, "python-requests/2.31.0", "curl/8.4.0"]), location: rng.pick(["Amsterdam, NL", "Frankfurt, DE", "Singapore, SG", "Ashburn, US"]) },
          reason: rng.chance(0.7) ? "Unknown user" : "Invalid password",
          metadata: { attempts: rng.int(1, 8), method: "password" },
        };
      }
      const context = userContext(c);
      return {
        actor: userActor(c.person), context, status: "failed",
        reason: rng.weighted([["Invalid password", 8], ["Invalid MFA code", 2], ["Account locked", 1], ["Password expired", 1]] as const),
        metadata: { attempts: rng.weighted([[1, 6], [2, 3], [3, 1]] as const), method: "password", session_id: null },
      };
    },
  },
  {
    action: "LOGOUT", weight: 5, roles: EVERYONE,
    build: (c) => {
      const context = userContext(c);
      const timeout = c.rng.chance(0.3);
      return { actor: userActor(c.person), context, metadata: { ...client(c, context), trigger: timeout ? "session_timeout" : "user", session_minutes: c.rng.int(3, 540) } };
    },
  },
  {
    action: "MFA_VERIFIED", weight: 2, roles: EVERYONE,
    build: (c) => {
      const context = userContext(c);
      return { actor: userActor(c.person), context, metadata: { ...client(c, context), method: c.rng.weighted([["totp", 6], ["webauthn", 3], ["sms", 1]] as const) } };
    },
  },
  {
    action: "MFA_FAILED", weight: 0.2, roles: EVERYONE,
    build: (c) => {
      const context = userContext(c);
      return { actor: userActor(c.person), context, status: "failed", reason: c.rng.pick(["Invalid code", "Code expired"]), metadata: { ...client(c, context), method: "totp", attempts: c.rng.int(1, 3) } };
    },
  },
  {
    action: "MFA_ENABLED", weight: 0.08, roles: EVERYONE,
    build: (c) => {
      const context = userContext(c);
      return { actor: userActor(c.person), context, metadata: { ...client(c, context), method: c.rng.pick(["totp", "webauthn"]) } };
    },
  },
  {
    action: "MFA_DISABLED", weight: 0.02, roles: EVERYONE,
    build: (c) => {
      const context = userContext(c);
      return { actor: userActor(c.person), context, reason: "Lost device", metadata: { ...client(c, context), method: "totp" } };
    },
  },
  ...dataKinds("CONTACT", 1),
  ...dataKinds("TICKET", 1.1),
  ...dataKinds("DEAL", 0.45),
  {
    action: "SETTINGS_CHANGED", weight: 0.35, roles: ADMINS,
    build: (c) => {
      const context = userContext(c);
      const s = c.rng.pick(SETTINGS);
      const bad = c.rng.chance(0.03);
      return {
        actor: userActor(c.person), context, targets: [{ type: "settings", id: ascii(s.section), name: s.section }],
        status: bad ? "failed" : "success", ...(bad ? { reason: "Permission denied" } : {}),
        metadata: { ...client(c, context), section: s.section, action: s.action, details: s.details },
      };
    },
  },
  {
    action: "PERMISSIONS_CHANGED", weight: 0.12, roles: ADMINS,
    build: (c) => {
      const context = userContext(c);
      const who = c.rng.pick(c.people);
      const roles = ["agent", "manager", "administrator", "viewer"];
      const previous = c.rng.pick(roles);
      const next = c.rng.pick(roles.filter((r) => r !== previous));
      return {
        actor: userActor(c.person), context, targets: [{ type: "user", id: who.id, name: who.email }],
        changes: [{ field: "role", before: previous, after: next }],
        metadata: { ...client(c, context), user: who.email, new_role: next, previous_role: previous },
      };
    },
  },
  {
    action: "INTEGRATION_ENABLED", weight: 0.06, roles: ADMINS,
    build: (c) => {
      const context = userContext(c);
      const i = c.rng.pick(INTEGRATIONS);
      const bad = c.rng.chance(0.05);
      return {
        actor: userActor(c.person), context, targets: [{ type: "integration", id: ascii(i.name), name: i.name }],
        status: bad ? "failed" : "success", ...(bad ? { reason: "Invalid API key" } : {}),
        metadata: { ...client(c, context), integration: i.name, configured: i.configured },
      };
    },
  },
  {
    action: "INTEGRATION_DISABLED", weight: 0.03, roles: ADMINS,
    build: (c) => {
      const context = userContext(c);
      const i = c.rng.pick(INTEGRATIONS);
      return {
        actor: userActor(c.person), context, targets: [{ type: "integration", id: ascii(i.name), name: i.name }],
        reason: c.rng.pick(["No longer used", "Replaced by another tool", "Security review", "Contract ended"]),
        metadata: { ...client(c, context), integration: i.name },
      };
    },
  },
  {
    action: "API_CALL", weight: 16,
    build: (c) => {
      const { rng } = c;
      const key = rng.pick(API_CLIENTS);
      const [method, path] = rng.weighted(ENDPOINTS.map(([m, p, w]) => [[m, p] as const, w] as const));
      const code = rng.weighted([[method === "POST" ? 201 : 200, 92], [400, 2], [401, 1], [404, 2], [422, 1], [429, 1.5], [500, 0.5]] as const);
      const endpoint = path.replace("{id}", String(rng.int(20_000, 89_999)));
      return {
        actor: { type: "api", id: key.id, name: key.name },
        status: code >= 400 ? "failed" : "success",
        ...(code >= 400 ? { reason: code === 429 ? "Rate limit exceeded" : code >= 500 ? "Internal error" : `HTTP ${code}` } : {}),
        context: { ip: rng.chance(0.8) ? `203.0.113.${rng.int(200, 230)}` : `2001:db8:ffff::${rng.int(1, 64).toString(16)}`, user_agent: rng.pick(API_AGENTS), request_id: `req_${rng.hex(20)}` },
        metadata: {
          method, endpoint, status_code: code, duration_ms: rng.int(8, code >= 500 ? 5000 : 450),
          response_bytes: code < 300 ? rng.int(200, 48_000) : rng.int(80, 300), api_version: "2024-10-01",
          rate_limit: { limit: 1000, remaining: code === 429 ? 0 : rng.int(100, 999), window_s: 60 },
        },
      };
    },
  },
  {
    action: "WEBHOOK_DELIVERED", weight: 6,
    build: (c) => {
      const { rng } = c;
      const url = rng.pick(WEBHOOK_URLS);
      const status = rng.weighted([["success", 94], ["failed", 4], ["pending", 2]] as const);
      const code = status === "success" ? 200 : status === "failed" ? rng.pick([500, 502, 503, 504, 410]) : null;
      return {
        actor: { type: "system", id: "webhook-dispatcher", name: "Webhook dispatcher" }, status,
        ...(status === "failed" ? { reason: code === 410 ? "Endpoint gone" : "Endpoint returned an error" } : status === "pending" ? { reason: "Retry scheduled" } : {}),
        targets: [{ type: "webhook", id: `wh_${fnv1a(url).toString(36)}`, name: url }],
        context: { user_agent: "CompanyCRM-Webhooks/2.3", request_id: `req_${rng.hex(20)}` },
        metadata: { event: rng.pick(WEBHOOK_EVENTS), url, response_code: code, attempt: status === "success" ? rng.weighted([[1, 9], [2, 1]] as const) : rng.int(1, 5), duration_ms: rng.int(40, 2500), delivery_id: `dlv_${rng.hex(16)}` },
      };
    },
  },
  {
    action: "DATA_EXPORTED", weight: 0.35, roles: ["admin", "manager", "auditor"],
    build: (c) => {
      const context = userContext(c);
      const e = c.rng.pick(EXPORT_TYPES);
      const status = c.rng.weighted([["success", 90], ["pending", 7], ["failed", 3]] as const);
      return {
        actor: userActor(c.person), context, status,
        reason: c.rng.pick(["Monthly report", "Quarterly review", "Audit request", "Backup", "Customer migration"]),
        metadata: { ...client(c, context), type: e.type, records: c.rng.int(1, 120) * 50, fields: e.fields, format: e.type.split(" ")[1] },
      };
    },
  },
  {
    action: "REPORT_DOWNLOADED", weight: 0.5, roles: ["owner", "manager", "director", "auditor"],
    build: (c) => {
      const context = userContext(c);
      const month = new Date(c.at - 20 * DAY);
      const report = `${c.rng.pick(REPORTS)} (${MONTHS[month.getUTCMonth()]} ${month.getUTCFullYear()})`;
      const bytes = c.rng.int(80, 6000) * 1024;
      const format = c.rng.weighted([["PDF", 7], ["XLSX", 2], ["CSV", 1]] as const);
      return {
        actor: userActor(c.person), context, targets: [{ type: "report", id: `rpt_${c.rng.hex(10)}`, name: report }],
        metadata: { ...client(c, context), report, format, size: humanSize(bytes), size_bytes: bytes },
      };
    },
  },
];

// ---------------------------------------------------------------------------------------
// The generator

export interface GenerateOptions {
  count: number;
  from: Date;
  to: Date;
  /** Same seed, same events. Default 1. */
  seed?: number;
  /** The actors; default generatePeople(100, seed). */
  people?: readonly SeedPerson[];
  /** Offset of the people's local time from UTC, for the daily rhythm (default 0). */
  utcOffsetMinutes?: number;
  /**
   * Events this returns true for are replaced by another one at the same time (so the
   * count stays exact): the demo keeps its last 30 days free of kinds it adds by hand.
   */
  exclude?: (event: EventBody) => boolean;
}

/** Streams `count` plausible event bodies between `from` and `to`, oldest first. */
export function* generateDrafts(opts: GenerateOptions): Generator<EventBody> {
  const seed = opts.seed ?? 1;
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  if (!(to >= from)) throw new Error("generateDrafts: `to` must not be before `from`");
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new Error("generateDrafts: `count` must be a whole number ≥ 0");
  if (opts.count === 0) return;
  const rng = new Rng(mulberry32(seed));
  const timeRand = mulberry32(seed ^ 0x9e3779b9);
  const people = personas(opts.people && opts.people.length > 0 ? opts.people : generatePeople(100, seed), rng);

  // Per kind, its eligible people as a cumulative weight table.
  const tables = KINDS.map((k) => {
    let eligible = k.roles ? people.filter((p) => k.roles!.includes(p.role)) : people;
    if (eligible.length === 0) eligible = people;
    const cum: number[] = [];
    let total = 0;
    for (const p of eligible) cum.push((total += p.weight));
    return { eligible, cum, total };
  });
  const kindTable = KINDS.map((k, i) => [i, k.weight] as const);

  const times = new TimeStream(from, to, opts.count, seed, opts.utcOffsetMinutes ?? 0);
  for (let n = 0; n < opts.count; n++) {
    const at = times.next(timeRand);
    const occurred_at = new Date(at).toISOString();
    let event: EventBody | undefined;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const k = rng.weighted(kindTable);
      const t = tables[k]!;
      const r = rng.next() * t.total;
      let lo = 0;
      let hi = t.cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t.cum[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      const person = t.eligible[lo]!;
      const candidate: EventBody = { action: KINDS[k]!.action, occurred_at, ...KINDS[k]!.build({ rng, at, person, people }) };
      if (!opts.exclude || !opts.exclude(candidate)) {
        event = candidate;
        break;
      }
    }
    if (!event) throw new Error("generateDrafts: `exclude` rejects every kind of event");
    yield event;
  }
}

// ---------------------------------------------------------------------------------------
// Fast insertion

export interface InsertOptions {
  /** Events per transaction (default 4000). */
  batchSize?: number;
  onProgress?: (inserted: number) => void;
}

/**
 * Appends event bodies to the org's chain in batches, one transaction each, with the
 * next batch prepared while the database writes the current one. Bodies must come in the
 * order they should take in the chain (oldest first, for a trail that reads naturally).
 * Throws on the first invalid body: a generator bug, not data to skip.
 */
export async function insertEventBodies(orgId: string, bodies: Iterable<EventBody>, opts: InsertOptions = {}): Promise<{ inserted: number; ms: number }> {
  const started = performance.now();
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 4000, 20_000));
  const iterator = bodies[Symbol.iterator]();
  let inserted = 0;
  let inFlight: Promise<void> | undefined;
  let done = false;
  const now = Date.now();

  const write = async (drafts: EventDraft[]): Promise<void> => {
    await inAppendTransaction(drafts.map((d) => d.occurred_at), (client) => appendEvents(client, orgId, drafts));
    inserted += drafts.length;
    opts.onProgress?.(inserted);
  };

  try {
    while (!done) {
      const drafts: EventDraft[] = [];
      while (drafts.length < batchSize) {
        const next = iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const r = toDraft(next.value, "api", now);
        if (!r.ok) {
          throw new Error(`seed: generated event ${inserted + drafts.length} is invalid: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`);
        }
        drafts.push(r.draft);
      }
      if (inFlight) await inFlight;
      inFlight = undefined;
      if (drafts.length === 0) break;
      inFlight = write(drafts);
      // Awaited on the next turn; this only keeps a failure from counting as unhandled meanwhile.
      inFlight.catch(() => {});
    }
    if (inFlight) await inFlight;
  } finally {
    if (inFlight) await inFlight.catch(() => {});
    iterator.return?.();
  }
  return { inserted, ms: Math.round(performance.now() - started) };
}

export interface SeedOptions extends InsertOptions {
  count: number;
  /** Default: a year before `to`. */
  from?: Date;
  /** Default: now. */
  to?: Date;
  seed?: number;
  people?: readonly SeedPerson[];
  utcOffsetMinutes?: number;
}

/**
 * Generates and appends `count` events to the org's chain: the engine of
 * `npx vigil seed --events N [--org SLUG]`. Streams: memory stays at about two batches
 * whatever the count.
 */
export async function seedEvents(orgId: string, opts: SeedOptions): Promise<{ inserted: number; ms: number }> {
  const to = opts.to ?? new Date();
  const from = opts.from ?? new Date(to.getTime() - 365 * DAY);
  if (to.getTime() > Date.now() + 60_000) throw new Error("seedEvents: `to` must not be in the future");
  return insertEventBodies(
    orgId,
    generateDrafts({ count: opts.count, from, to, seed: opts.seed, people: opts.people, utcOffsetMinutes: opts.utcOffsetMinutes }),
    { batchSize: opts.batchSize, onProgress: opts.onProgress },
  );
}
