import { inferCategory, type Category, type Status } from "@/lib/events/catalog";
import { fnv1a, type Rng } from "@/lib/seed/random";
import { API_AGENTS, ascii, COMPANIES, FIRST_NAMES, LAST_NAMES, PLANS, USER_AGENTS, type Persona, type PersonRole } from "@/lib/seed/people";
import { DAY, HOUR } from "@/lib/seed/time-stream";

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

export const KINDS: Kind[] = [
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
