import { fnv1a, mulberry32, Rng } from "@/lib/seed/random";

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

export interface Persona extends Required<SeedPerson> {
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
export const API_AGENTS = ["python-requests/2.31.0", "axios/1.6.2", "Zapier", "Go-http-client/2.0", "curl/8.4.0", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"];

const LOCATIONS: ReadonlyArray<readonly [string, number]> = [
  ["São Paulo, BR", 40], ["Rio de Janeiro, BR", 12], ["Belo Horizonte, BR", 8], ["Curitiba, BR", 6], ["Porto Alegre, BR", 5],
  ["Lisbon, PT", 6], ["New York, US", 5], ["Austin, US", 4], ["London, GB", 4], ["Berlin, DE", 3], ["Toronto, CA", 3],
];

export const FIRST_NAMES = [
  "Ana", "Bruno", "Camila", "Daniel", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João", "Larissa", "Lucas",
  "Mariana", "Mateus", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Thiago", "Vitória", "William", "Yasmin", "Emily",
  "James", "Olivia", "Noah", "Chloe", "Liam", "Priya", "Kenji", "Fatima", "Tomás", "Inês", "Diego", "Lucía",
];
export const LAST_NAMES = [
  "Oliveira", "Souza", "Lima", "Pereira", "Ferreira", "Costa", "Rodrigues", "Almeida", "Nascimento", "Carvalho", "Araújo",
  "Ribeiro", "Gomes", "Martins", "Barbosa", "Rocha", "Dias", "Teixeira", "Moreira", "Cardoso", "Mendes", "Castro",
  "Smith", "Johnson", "Brown", "Müller", "Tanaka", "Patel", "García", "O'Brien",
];
export const COMPANIES = [
  "Acme Corp", "Globex", "Initech", "Umbrella Saúde", "Stark Logística", "Wayne Foods", "Tyrell Systems", "Soylent Bebidas",
  "Hooli", "Vandelay Imports", "Pied Piper", "Cyberdyne Energia", "Wonka Doces", "Gringotts Finanças", "Oceanic Air",
  "Aperture Labs", "Massive Dynamic", "Nakatomi Trading", "Duff Brewing", "Monarch Seguros",
];
export const PLANS = ["Free", "Starter", "Pro", "Premium", "Enterprise"];

export function ascii(text: string): string {
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

export function personas(people: readonly SeedPerson[], rng: Rng): Persona[] {
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
