import fs from "node:fs";
import path from "node:path";

/**
 * The demo organization's sign-in and API key. They are secrets: printed once, by the start
 * that made them, and kept in `<VIGIL_DATA_DIR>/demo-credentials.json`, readable only by the
 * OS user (the folder is made when missing, which it is with DATABASE_URL). Later starts name
 * the file and never print its contents into the server log (docs/security.md, findings 11, 13).
 */

export interface DemoCredentials {
  org: string;
  email: string;
  password: string;
  apiKey: string;
  people: Array<{ email: string; role: string }>;
}

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, "demo-credentials.json");
}

/** What the start that seeded the demo prints, once. */
export function announcement(c: DemoCredentials, port: number, dataDir: string): string[] {
  return [
    "",
    `Demo organization '${c.org}' is ready.`,
    `  Sign in:  http://localhost:${port}  as ${c.email} / ${c.password}`,
    `  People:   ${c.people.map((p) => `${p.email} (${p.role})`).join(", ")} — same password`,
    `  API key:  ${c.apiKey}`,
    `  Try:      curl -H "Authorization: Bearer ${c.apiKey}" http://localhost:${port}/api/v1/events?limit=5`,
    `  Shown this once; kept in ${path.relative(process.cwd(), credentialsFile(dataDir)) || credentialsFile(dataDir)} (readable only by you).`,
    "",
  ];
}

export function keepCredentials(dataDir: string, c: DemoCredentials): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(credentialsFile(dataDir), JSON.stringify(c, null, 2), { mode: 0o600 });
}

/** What a later start prints: where the credentials are, not what they are. */
export function reminder(dataDir: string): string | undefined {
  const file = credentialsFile(dataDir);
  if (!fs.existsSync(file)) return undefined;
  return `Demo sign-in and API key: in ${path.relative(process.cwd(), file) || file} (printed once, when the demo was seeded).`;
}
