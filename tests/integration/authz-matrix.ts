import crypto from "node:crypto";
import type { Permission } from "@/lib/auth/permissions";
import type { ApiScope } from "@/lib/auth/scopes";
import { ensureBuiltInRoles } from "@/lib/orgs/create-org";
import { getReportSchedule } from "@/lib/reports/schedule";
import { pool } from "@/lib/db/pool";
import { hashPassword } from "@/lib/auth/passwords";
import { startUserSession } from "@/lib/auth/user-sessions";
import type { TestUser } from "@/tests/integration/console-fixtures";
import { enableMfa, pendingMfa, type World } from "@/tests/integration/authz-world";

/**
 * The authorization table: every way into Vigil — each exported HTTP method of every
 * app route handler, every page, every exported server action — and what it requires.
 * tests/integration/authz-matrix.test.ts finds the entry points on disk and fails for any
 * that is missing here, then calls each one as every principal (anonymous, each built-in
 * role, custom roles, a member whose org requires MFA they lack, a member of another org,
 * an API key of each scope, revoked and unknown keys, another org's key, the cron secret)
 * and checks the answer against `need`.
 *
 * Adding a route means adding its line here: what it requires, and a probe — a call that
 * succeeds for whoever is allowed, so "allowed" is shown by the call working, not by the
 * absence of a refusal.
 */

export type Need =
  /** Anyone, signed in or not. */
  | { public: true }
  /** `Authorization: Bearer $CRON_SECRET` and nothing else. */
  | { cron: true }
  /** An API key of the org holding the scope (`admin` holds every scope). */
  | { scope: ApiScope; /** Or a console session whose role has this permission (/api/v1 takes either). */ orPermission?: Permission }
  /**
   * A console session. `permission` (or, when `orRole` is given, that built-in role) is
   * needed, none means any member; `allowMfaSetup`: also open to a member whose org
   * requires MFA and who hasn't set it up yet.
   */
  | { console: { permission?: Permission; orRole?: string; allowMfaSetup?: boolean } };

/** What the matrix expects of one call. */
export type Outcome = "ok" | "denied" | "not_found";

/** The acting principal of one call, created fresh for it. */
export interface Caller {
  name: string;
  /** The person behind a console session, when there is one. */
  user?: TestUser;
  /** The org the caller acts in: its own, or the one it tries to reach. */
  world: World;
}

export interface Ctx {
  w: World;
  p: Caller;
}

type Form = Record<string, string | string[]>;

export type Probe =
  | {
    kind: "handler";
    /** The path with its query, and the dynamic segments' values. */
    request: (c: Ctx) => Promise<{ path: string; params?: Record<string, string | string[]>; body?: unknown }>;
  }
  | { kind: "page"; request: (c: Ctx) => Promise<{ path: string; params?: Record<string, string>; searchParams?: Form }> }
  | {
    kind: "action";
    /** state: a useActionState action (prev, FormData); form: a <form action> (FormData); args: called with these arguments. */
    style: "state" | "form" | "args";
    input: (c: Ctx) => Promise<Form | unknown[]>;
    /** Extra checks of a call, returning what is wrong. */
    check?: (c: Ctx, effect: { setCookies: string[] }) => Promise<string[]>;
  };

export interface Entry {
  need: Need;
  probe: Probe;
  /**
   * The probe names things of the org it acts on (an event id, an alert id…): for a member
   * or key of another org the answer is 404 / not found, exactly like a missing id.
   * Without it, another org's member or key acts on their own org and must not see or
   * change anything of this one.
   */
  foreign?: boolean;
  /**
   * Actions: a call that was allowed and worked writes an audit event in the same
   * transaction (false: it changes nothing an auditor needs, such as a saved search).
   */
  audited?: boolean;
  /** Outcomes that differ from what `need` alone says, each with why. */
  except?: Partial<Record<string, { outcome: Outcome; why: string }>>;
}

const PUBLIC: Need = { public: true };
const CRON: Need = { cron: true };
const api = (scope: ApiScope, orPermission?: Permission): Need => ({ scope, ...(orPermission ? { orPermission } : {}) });
const member = (permission?: Permission, opts: { orRole?: string; allowMfaSetup?: boolean } = {}): Need => ({ console: { permission, ...opts } });

const rand = () => crypto.randomBytes(4).toString("hex");
const get = (request: (c: Ctx) => Promise<{ path: string; params?: Record<string, string | string[]> }> | { path: string; params?: Record<string, string | string[]> }): Probe =>
  ({ kind: "handler", request: async (c) => request(c) });
const page = (request: (c: Ctx) => Promise<{ path: string; params?: Record<string, string>; searchParams?: Form }> | { path: string; params?: Record<string, string>; searchParams?: Form }): Probe =>
  ({ kind: "page", request: async (c) => request(c) });
const state = (input: (c: Ctx) => Promise<Form> | Form): Probe => ({ kind: "action", style: "state", input: async (c) => input(c) });
const formAction = (input: (c: Ctx) => Promise<Form> | Form): Probe => ({ kind: "action", style: "form", input: async (c) => input(c) });

const cronProbe = (job: string): Probe => get(() => ({ path: `/api/cron/${job}` }));
const director = async () => (await ensureBuiltInRoles()).get("director")!;
const actorOnly = { "mfa-pending": { outcome: "denied" as const, why: "MFA can't be turned off while an org of the person requires it" } };


let nextThreshold = 6;
export const AUTHZ_TABLE: Record<string, Entry> = {
  // Public: the home page, sign-in, liveness and the API reference; next-auth's own endpoints
  // (sign-in, sign-out, session, CSRF) are the way in, each guarded by next-auth itself.
  "page /": { need: PUBLIC, probe: page(() => ({ path: "/" })) },
  "page /sign-in": { need: PUBLIC, probe: page(() => ({ path: "/sign-in" })) },
  // An invitation link: the token is the capability (issue 10, finding 1).
  "page /invite/[token]": { need: PUBLIC, probe: page(async ({ w }) => { const token = await w.invitationToken(); return { path: `/invite/${token}`, params: { token } }; }) },
  "action app/(auth)/invite/[token]/actions.ts#acceptAsNewPersonAction": {
    need: PUBLIC,
    except: {
      "other-org": { outcome: "not_found", why: "they hold no link of this org: a made-up one is answered like a missing one" },
      "key:other-org": { outcome: "not_found", why: "they hold no link of this org: a made-up one is answered like a missing one" },
    },
    probe: state(async ({ w, p }) => ({ token: p.name.endsWith("other-org") ? "not-a-token" : await w.invitationToken(), name: "New person", password: "a long enough password" })),
  },
  "action app/(auth)/invite/[token]/actions.ts#acceptAsSignedInAction": {
    need: member(undefined, { allowMfaSetup: true }),
    except: { "other-org": { outcome: "not_found", why: "only the invited address accepts; anyone else gets the answer of a missing link" } },
    probe: state(async ({ w, p }) => ({ token: await w.invitationToken(p.name === "other-org" ? undefined : p.user?.email) })),
  },
  "GET /api/health": { need: PUBLIC, probe: get(() => ({ path: "/api/health" })) },
  "GET /api/v1/openapi.json": { need: PUBLIC, probe: get(() => ({ path: "/api/v1/openapi.json" })) },
  "GET /api/auth/[...nextauth]": { need: PUBLIC, probe: get(() => ({ path: "/api/auth/session", params: { nextauth: ["session"] } })) },
  "POST /api/auth/[...nextauth]": { need: PUBLIC, probe: { kind: "handler", request: async () => ({ path: "/api/auth/signout", params: { nextauth: ["signout"] }, body: "" }) } },

  // Scheduled jobs.
  "GET /api/cron/alerts": { need: CRON, probe: cronProbe("alerts") },
  "POST /api/cron/alerts": { need: CRON, probe: cronProbe("alerts") },
  "GET /api/cron/backup": { need: CRON, probe: cronProbe("backup") },
  "POST /api/cron/backup": { need: CRON, probe: cronProbe("backup") },
  "GET /api/cron/retention": { need: CRON, probe: cronProbe("retention") },
  "POST /api/cron/retention": { need: CRON, probe: cronProbe("retention") },
  "GET /api/cron/verify": { need: CRON, probe: cronProbe("verify") },
  "POST /api/cron/verify": { need: CRON, probe: cronProbe("verify") },
  "GET /api/cron/reports": { need: CRON, probe: cronProbe("reports") },
  "POST /api/cron/reports": { need: CRON, probe: cronProbe("reports") },

  // The integrator API.
  "POST /api/v1/events": { need: api("events:write"), probe: { kind: "handler", request: async () => ({ path: "/api/v1/events", body: { action: "AUTHZ_PROBE", category: "data", actor: { type: "api", id: "probe" } } }) } },
  "GET /api/v1/events": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/events?period=30d" })) },
  "GET /api/v1/events/[id]": { need: api("events:read", "events:read"), foreign: true, probe: get(({ w }) => ({ path: `/api/v1/events/${w.stable.eventId}`, params: { id: w.stable.eventId } })) },
  "GET /api/v1/exports": { need: api("events:read", "events:export"), probe: get(() => ({ path: "/api/v1/exports?format=ndjson&reason=authorization+matrix" })) },
  "GET /api/v1/alerts": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/alerts" })) },
  "GET /api/v1/archives": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/archives" })) },
  "GET /api/v1/blocklist": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/blocklist" })) },
  "GET /api/v1/chain/verify": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/chain/verify" })) },
  "GET /api/v1/chain/consistency": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/chain/consistency?from=0&to=0" })) },
  "GET /api/v1/chain/checkpoints": { need: api("events:read", "events:read"), probe: get(() => ({ path: "/api/v1/chain/checkpoints" })) },
  "GET /api/v1/reports/security": { need: api("reports:read", "reports:download"), probe: get(() => ({ path: "/api/v1/reports/security?period=30d" })) },
  "GET /api/v1/reports/compliance": { need: api("reports:read", "reports:download"), probe: get(() => ({ path: "/api/v1/reports/compliance?period=30d" })) },
  "GET /api/v1/reports/runs": { need: api("reports:read", "reports:download"), probe: get(() => ({ path: "/api/v1/reports/runs" })) },
  "GET /api/v1/reports/runs/[id]": { need: api("reports:read", "reports:download"), foreign: true, probe: get(({ w }) => ({ path: `/api/v1/reports/runs/${w.stable.reportRunId}`, params: { id: w.stable.reportRunId } })) },

  // Console downloads (route handlers behind the console session).
  "GET /events/export": { need: member("events:export"), probe: get(() => ({ path: "/events/export?format=csv&reason=authorization+matrix&period=any" })) },
  "GET /events/export/progress": {
    need: member("events:export"), foreign: true,
    probe: get(async ({ w, p }) => ({ path: `/events/export/progress?id=${await w.exportRun(p.user && p.world === w ? p.user.id : undefined)}` })),
  },
  "GET /reports/download/[report]": { need: member("reports:download"), probe: get(() => ({ path: "/reports/download/security?period=30d", params: { report: "security" } })) },
  "GET /reports/runs/[id]": { need: member("reports:download"), foreign: true, probe: get(({ w }) => ({ path: `/reports/runs/${w.stable.reportRunId}`, params: { id: w.stable.reportRunId } })) },

  // Console pages.
  "page /events": { need: member("events:read"), probe: page(() => ({ path: "/events" })) },
  "page /events/[id]": { need: member("events:read"), foreign: true, probe: page(({ w }) => ({ path: `/events/${w.stable.eventId}`, params: { id: w.stable.eventId } })) },
  "page /reports": { need: member("reports:download"), probe: page(() => ({ path: "/reports" })) },
  "page /alerts": { need: member("alerts:manage"), probe: page(() => ({ path: "/alerts" })) },
  "page /alerts/[id]": { need: member("alerts:manage"), foreign: true, probe: page(({ w }) => ({ path: `/alerts/${w.stable.alertId}`, params: { id: w.stable.alertId } })) },
  "page /alerts/incidents/[id]": { need: member("alerts:manage"), foreign: true, probe: page(({ w }) => ({ path: `/alerts/incidents/${w.stable.incidentId}`, params: { id: w.stable.incidentId } })) },
  "page /settings": { need: member(), probe: page(() => ({ path: "/settings" })) },
  "page /settings/account": { need: member(undefined, { allowMfaSetup: true }), probe: page(() => ({ path: "/settings/account" })) },
  "page /settings/members": { need: member("members:manage"), probe: page(() => ({ path: "/settings/members" })) },
  "page /settings/roles": { need: member("members:manage"), probe: page(() => ({ path: "/settings/roles" })) },
  "page /settings/api-keys": { need: member("apikeys:manage"), probe: page(() => ({ path: "/settings/api-keys" })) },
  "page /settings/organization": { need: member("settings:manage"), probe: page(() => ({ path: "/settings/organization" })) },
  "page /settings/alerts": { need: member("alerts:manage"), probe: page(() => ({ path: "/settings/alerts" })) },
  "page /settings/blocklist": { need: member("settings:manage"), probe: page(() => ({ path: "/settings/blocklist" })) },
  "page /settings/witnesses": { need: member("settings:manage"), probe: page(() => ({ path: "/settings/witnesses" })) },

  // Server actions.
  "action app/(console)/actions.ts#switchOrg": {
    // Open to a member who still has to set up MFA: switching to another org is how they leave this one.
    need: member(undefined, { allowMfaSetup: true }), audited: false,
    probe: {
      kind: "action", style: "form", input: async ({ w }) => ({ orgId: w.orgId }),
      // The org cookie is set only for an org the person belongs to.
      check: async ({ w, p }, { setCookies }) => {
        const set = setCookies.some((c) => c.startsWith(`vigil-org=${w.orgId}`));
        const isMember = p.user !== undefined && p.name !== "other-org";
        return set === isMember ? [] : [`the org cookie was ${set ? "" : "not "}set for ${p.name}`];
      },
    },
  },
  "action app/(console)/events/actions.ts#saveSearchAction": { need: member("events:read"), audited: false, probe: state(() => ({ name: `Search ${rand()}`, query: "status=failed" })) },
  "action app/(console)/events/actions.ts#deleteSavedSearchAction": {
    need: member("events:read"), foreign: true, audited: false,
    probe: state(async ({ w, p }) => ({ id: await w.savedSearch(p.user && p.world === w ? p.user.id : undefined) })),
  },
  "action app/(console)/events/[id]/actions.ts#verifyEventLink": {
    need: member("events:read"), foreign: true, audited: false,
    probe: { kind: "action", style: "args", input: async ({ w }) => [w.stable.eventId] },
  },
  "action app/(console)/reports/actions.ts#reviewChange": {
    // lib/reports/reviews.ts: settings managers and auditors review settings changes.
    need: member("settings:manage", { orRole: "auditor" }), foreign: true,
    probe: state(async ({ w }) => ({ eventId: await w.settingsChange(), compliant: "yes", note: "checked" })),
  },
  "action app/(console)/reports/actions.ts#setMonthlyRecipients": {
    // The owner (who may download reports) of the org the caller acts in, on or off the list:
    // a change each time, so it is audited.
    need: member("settings:manage"),
    probe: state(async ({ w, p }) => {
      // The org the caller acts in: their own (another org's member is kept to theirs).
      const orgId = p.user ? (await pool().query<{ org_id: string }>("select org_id from memberships where user_id = $1", [p.user.id])).rows[0]!.org_id : w.orgId;
      const schedule = await getReportSchedule(orgId);
      const someone = schedule.eligible[0]!;
      return { recipients: schedule.recipients.includes(someone) ? [] : [someone] };
    }),
  },
  "action app/(console)/alerts/actions.ts#changeAlertStatus": {
    need: member("alerts:manage"), foreign: true,
    probe: formAction(async ({ w }) => ({ alertId: await w.alert(), status: "acknowledged", note: "looking" })),
  },
  "action app/(console)/alerts/actions.ts#blockAlertSubject": {
    need: member("alerts:manage"), foreign: true,
    probe: formAction(async ({ w }) => ({ alertId: await w.alert(), what: "actor" })),
  },
  "action app/(console)/alerts/actions.ts#openAlertIncident": {
    need: member("alerts:manage"), foreign: true,
    probe: formAction(async ({ w }) => ({ alertId: await w.alert(), assignee: "responder@example.com" })),
  },
  "action app/(console)/alerts/actions.ts#workIncident": {
    need: member("alerts:manage"), foreign: true,
    probe: formAction(async ({ w }) => ({ incidentId: await w.incident(), status: "investigating", note: "on it" })),
  },
  "action app/(console)/settings/account/actions.ts#startMfaAction": { need: member(undefined, { allowMfaSetup: true }), audited: false, probe: state(() => ({})) },
  "action app/(console)/settings/account/actions.ts#confirmMfaAction": {
    need: member(undefined, { allowMfaSetup: true }),
    probe: state(async ({ p }) => ({ code: p.user ? await (await pendingMfa(p.user))() : "123456" })),
  },
  "action app/(console)/settings/account/actions.ts#disableMfaAction": {
    need: member(undefined, { allowMfaSetup: true }), except: actorOnly,
    probe: state(async ({ p }) => ({ code: p.user ? (await enableMfa(p.user.id)).recoveryCodes[0]! : "abcde-fghij" })),
  },
  "action app/(console)/settings/account/actions.ts#regenerateRecoveryCodesAction": {
    need: member(undefined, { allowMfaSetup: true }),
    probe: state(async ({ p }) => ({ code: p.user ? await (await enableMfa(p.user.id)).code() : "123456" })),
  },
  "action app/(console)/settings/account/leave-actions.ts#leaveOrgAction": { need: member(undefined, { allowMfaSetup: true }), probe: state(() => ({})) },
  "action app/(console)/settings/account/actions.ts#changePasswordAction": {
    need: member(undefined, { allowMfaSetup: true }),
    // A known current password set just before, so each caller's change is a real one.
    probe: state(async ({ p }) => {
      const current = `current ${rand()} passphrase`;
      if (p.user) await pool().query("update users set password_hash = $2 where id = $1", [p.user.id, await hashPassword(current)]);
      const next = `new ${rand()} passphrase`;
      return { currentPassword: current, newPassword: next, confirmPassword: next };
    }),
  },
  "action app/(console)/settings/account/actions.ts#revokeSessionAction": {
    need: member(undefined, { allowMfaSetup: true }),
    probe: state(async ({ p }) => ({ sessionId: p.user ? await startUserSession(p.user.id, { ip: "192.0.2.90", userAgent: "another browser" }) : crypto.randomUUID() })),
  },
  "action app/(console)/settings/account/actions.ts#revokeOtherSessionsAction": {
    need: member(undefined, { allowMfaSetup: true }),
    // Another session to end: with none open the call changes nothing and records nothing.
    probe: state(async ({ p }) => {
      if (p.user) await startUserSession(p.user.id, { ip: "192.0.2.91", userAgent: "another browser" });
      return {};
    }),
  },
  "action app/(console)/settings/members/session-actions.ts#signOutEverywhereAction": {
    need: member("members:manage"), foreign: true, probe: state(async ({ w }) => ({ membershipId: await w.member() })),
  },
  "action app/(console)/settings/alerts/actions.ts#updateRuleAction": {
    need: member("alerts:manage"),
    // A threshold never sent before (the default is 5): saving an unchanged rule records no event.
    probe: state(() => ({ rule: "brute_force", enabled: "on", threshold: String(nextThreshold++), window_minutes: "10", critical_count: "500" })),
  },
  "action app/(console)/settings/alerts/actions.ts#addChannelAction": {
    need: member("alerts:manage"), probe: state(() => ({ kind: "email", target: `security-${rand()}@example.com`, minSeverity: "warning" })),
  },
  "action app/(console)/settings/alerts/actions.ts#updateChannelAction": {
    need: member("alerts:manage"), foreign: true,
    probe: state(async ({ w }) => ({ id: await w.channel(), target: `https://hooks.example.com/vigil/${rand()}`, minSeverity: "critical", enabled: "on" })),
  },
  "action app/(console)/settings/alerts/actions.ts#rotateSecretAction": {
    need: member("alerts:manage"), foreign: true, probe: state(async ({ w }) => ({ id: await w.channel() })),
  },
  "action app/(console)/settings/alerts/actions.ts#removeChannelAction": {
    need: member("alerts:manage"), foreign: true, probe: state(async ({ w }) => ({ id: await w.channel() })),
  },
  "action app/(console)/settings/api-keys/actions.ts#createApiKeyAction": {
    need: member("apikeys:manage"), probe: state(() => ({ name: `Key ${rand()}`, scopes: ["events:read"] })),
  },
  "action app/(console)/settings/api-keys/actions.ts#revokeApiKeyAction": {
    need: member("apikeys:manage"), foreign: true, probe: state(async ({ w }) => ({ id: await w.apiKey() })),
  },
  "action app/(console)/settings/blocklist/actions.ts#blockAction": {
    need: member("settings:manage"), probe: state(() => ({ value: `blocked-${rand()}@example.com`, reason: "probe", days: "1" })),
  },
  "action app/(console)/settings/blocklist/actions.ts#unblockAction": {
    need: member("settings:manage"), foreign: true, probe: state(async ({ w }) => ({ id: await w.blockEntry() })),
  },
  "action app/(console)/settings/witnesses/actions.ts#addWitnessAction": {
    need: member("settings:manage"), probe: state(() => ({ url: `https://witness-${rand()}.example.com/` })),
  },
  "action app/(console)/settings/witnesses/actions.ts#removeWitnessAction": {
    need: member("settings:manage"), foreign: true, probe: state(async ({ w }) => ({ id: await w.witness() })),
  },
  "action app/(console)/settings/members/actions.ts#inviteMemberAction": {
    need: member("members:manage"), probe: state(async () => ({ email: `new-${rand()}@example.com`, roleId: await director() })),
  },
  "action app/(console)/settings/members/actions.ts#revokeInvitationAction": {
    need: member("members:manage"), foreign: true, probe: state(async ({ w }) => ({ invitationId: await w.invitation() })),
  },
  "action app/(console)/settings/members/actions.ts#changeRoleAction": {
    need: member("members:manage"), foreign: true, probe: state(async ({ w }) => ({ membershipId: await w.member(), roleId: await director() })),
  },
  "action app/(console)/settings/members/actions.ts#removeMemberAction": {
    need: member("members:manage"), foreign: true, probe: state(async ({ w }) => ({ membershipId: await w.member() })),
  },
  "action app/(console)/settings/organization/actions.ts#updateOrgAction": {
    need: member("settings:manage"),
    probe: state(() => ({ name: `Org ${rand()}`, timezone: "Europe/Lisbon", days: ["1", "2", "3", "4", "5"], start: "08:00", end: "18:00" })),
  },
  "action app/(console)/settings/roles/actions.ts#createRoleAction": {
    need: member("members:manage"), probe: state(() => ({ name: `Role ${rand()}`, permissions: ["events:read"] })),
  },
  "action app/(console)/settings/roles/actions.ts#updateRoleAction": {
    need: member("members:manage"), foreign: true, probe: state(async ({ w }) => ({ roleId: await w.customRole(), name: `Role ${rand()}`, permissions: ["events:read"] })),
  },
  "action app/(console)/settings/roles/actions.ts#deleteRoleAction": {
    need: member("members:manage"), foreign: true, probe: state(async ({ w }) => ({ roleId: await w.customRole() })),
  },
};
