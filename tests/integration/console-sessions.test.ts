import { beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { pool } from "@/lib/db/pool";
import { SESSION_ABSOLUTE_S, SESSION_IDLE_S, liveSession, startUserSession } from "@/lib/auth/user-sessions";
import { PASSWORD, addUser, eventsOf, nextIp, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/** A browser's cookie jar, as far as next-auth's cookies go. */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  take(setCookies: string[]): void {
    for (const c of setCookies) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  get session(): string | undefined {
    return this.cookies.get("next-auth.session-token");
  }
}

/** One request to next-auth's route handler (/api/auth/...), as the browser sends it. */
async function nextAuth(jar: Jar, method: "GET" | "POST", path: string, form?: Record<string, string>, ip = "192.0.2.60"): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { cookie: jar.header(), "x-forwarded-for": ip, "user-agent": UA };
  if (form) headers["content-type"] = "application/x-www-form-urlencoded";
  const answer = await app.fetch(path, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined });
  jar.take(answer.setCookies);
  return { status: answer.status, body: answer.text };
}

async function csrf(jar: Jar): Promise<string> {
  return (JSON.parse((await nextAuth(jar, "GET", "/api/auth/csrf")).body) as { csrfToken: string }).csrfToken;
}

/** Signs in through next-auth's credentials callback, the way the sign-in form does. */
async function signIn(user: TestUser, ip = nextIp()): Promise<Jar> {
  const jar = new Jar();
  const csrfToken = await csrf(jar);
  await nextAuth(jar, "POST", "/api/auth/callback/credentials", { csrfToken, email: user.email, password: PASSWORD, json: "true" }, ip);
  if (!jar.session) throw new Error("sign-in set no session cookie");
  return jar;
}

async function signOut(jar: Jar): Promise<void> {
  const csrfToken = await csrf(jar);
  await nextAuth(jar, "POST", "/api/auth/signout", { csrfToken, json: "true" });
}

/** Whether this session cookie opens /settings/api-keys (rendered), or is sent to sign-in. */
async function opensApiKeys(cookie: string): Promise<boolean> {
  const page = await app.fetch("/settings/api-keys", { headers: { cookie, "x-forwarded-for": "192.0.2.61" } });
  if (page.status === 307 && page.location?.includes("/sign-in")) return false;
  if (page.status !== 200 || !page.text.includes("API keys")) throw new Error(`/settings/api-keys answered ${page.status} ${page.location ?? ""}`);
  return true;
}

/** What /api/auth/session answers for this cookie, and whether it renewed the cookie. */
async function sessionEndpoint(cookie: string): Promise<{ body: Record<string, unknown>; renewed: boolean }> {
  const jar = new Jar();
  jar.cookies.set("next-auth.session-token", cookie.replace(/^next-auth\.session-token=/, ""));
  const before = jar.session;
  const res = await nextAuth(jar, "GET", "/api/auth/session");
  return { body: JSON.parse(res.body) as Record<string, unknown>, renewed: jar.session !== undefined && jar.session !== before };
}

const cookieOf = (jar: Jar) => `next-auth.session-token=${jar.session}`;

async function sessionRows(userId: string) {
  const { rows } = await pool().query<{ id: string; revoked_at: Date | null; revoked_reason: string | null; ip: string | null; user_agent: string | null }>(
    "select id, revoked_at, revoked_reason, host(ip) as ip, user_agent from user_sessions where user_id = $1 order by created_at",
    [userId],
  );
  return rows;
}

describe("console sessions (finding 7)", () => {
  it("sign-in opens a server-side session; sign-out ends it: the old cookie no longer opens /settings/api-keys and /api/auth/session doesn't renew it", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const ip = nextIp();
    const jar = await signIn(user, ip);
    const stolen = cookieOf(jar);
    const [row] = await sessionRows(user.id);
    expect(row).toMatchObject({ revoked_at: null, ip, user_agent: UA });
    expect(await opensApiKeys(stolen)).toBe(true);
    const live = await sessionEndpoint(stolen);
    expect(live.body).toMatchObject({ user: { id: user.id }, sessionId: row!.id });

    await signOut(jar);
    expect(jar.session).toBeUndefined();
    expect((await sessionRows(user.id))[0]).toMatchObject({ revoked_reason: "signed_out" });
    // The attack: the cookie copied before sign-out.
    expect(await opensApiKeys(stolen)).toBe(false);
    const after = await sessionEndpoint(stolen);
    expect(after.body).toEqual({});
    expect(after.renewed).toBe(false);
    // LOGOUT says the session ended, and it did; a second sign-out with the old cookie ends nothing and records nothing.
    expect(await eventsOf(orgId, "LOGOUT")).toHaveLength(1);
    const replay = new Jar();
    replay.cookies.set("next-auth.session-token", jar.session ?? stolen.split("=")[1]!);
    await signOut(replay);
    expect(await eventsOf(orgId, "LOGOUT")).toHaveLength(1);
  });

  it("refuses a token without a session id (a cookie minted before sessions were kept, or a forged one)", async () => {
    const { user } = await orgWithUser("admin");
    const { encode } = await import("next-auth/jwt");
    const { env } = await import("@/lib/env");
    const token = await encode({ token: { sub: user.id, email: user.email, name: user.name }, secret: env().AUTH_SECRET! });
    expect(await opensApiKeys(`next-auth.session-token=${token}`)).toBe(false);
    expect((await sessionEndpoint(`next-auth.session-token=${token}`)).body).toEqual({});
    // Another person's session id in my token is no session either.
    const other = await orgWithUser("admin");
    const theirs = await startUserSession(other.user.id, {});
    expect(await opensApiKeys(await sessionCookie(user, theirs))).toBe(false);
  });

  it(`has an absolute lifetime of ${SESSION_ABSOLUTE_S / 3600} h however active, and ends after ${SESSION_IDLE_S / 3600} h idle`, async () => {
    const { user } = await orgWithUser("admin");
    const sid = await startUserSession(user.id, {});
    const cookie = await sessionCookie(user, sid);
    expect(await opensApiKeys(cookie)).toBe(true);
    // Active all along (seen a minute ago), but signed in just over 12 hours ago.
    await pool().query(
      "update user_sessions set created_at = now() - make_interval(secs => $2 + 60), expires_at = now() - interval '1 second', last_seen_at = now() - interval '1 minute' where id = $1",
      [sid, SESSION_ABSOLUTE_S],
    );
    expect(await opensApiKeys(cookie)).toBe(false);
    expect((await sessionEndpoint(cookie)).body).toEqual({});

    const idle = await startUserSession(user.id, {});
    await pool().query("update user_sessions set last_seen_at = now() - make_interval(secs => $2 + 1) where id = $1", [idle, SESSION_IDLE_S]);
    expect(await opensApiKeys(await sessionCookie(user, idle))).toBe(false);
  });

  it("writes last_seen_at at most once a minute", async () => {
    const { user } = await orgWithUser("admin");
    const sid = await startUserSession(user.id, {});
    const seen = async () => (await pool().query<{ last_seen_at: Date }>("select last_seen_at from user_sessions where id = $1", [sid])).rows[0]!.last_seen_at.getTime();
    const first = await seen();
    await liveSession(sid, user.id, new Date(first + 30_000));
    expect(await seen()).toBe(first);
    await liveSession(sid, user.id, new Date(first + 61_000));
    expect(await seen()).toBe(first + 61_000);
  });

  it("removal from the org ends access to it at once (the session stays for the person's other orgs)", async () => {
    const a = await orgWithUser("admin");
    const b = await orgWithUser("admin");
    await addUser(b.orgId, "admin", a.user.email);
    const cookie = await sessionCookie(a.user);
    await pool().query("delete from memberships where org_id = $1 and user_id = $2", [a.orgId, a.user.id]);
    // The org cookie still names the org they were removed from: the console opens the other one.
    const page = await app.fetch("/settings/api-keys", { headers: { cookie: `${cookie}; vigil-org=${a.orgId}` } });
    const names = new Map((await pool().query<{ id: string; name: string }>("select id, name from organizations where id = any($1)", [[a.orgId, b.orgId]])).rows.map((r) => [r.id, r.name]));
    expect(page.status).toBe(200);
    expect(page.text).toContain(names.get(b.orgId)!);
    expect(page.text).not.toContain(names.get(a.orgId)!);
  });
});
