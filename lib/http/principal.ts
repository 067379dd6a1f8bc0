import { authenticateApiKey, type ApiKeyPrincipal } from "@/lib/auth/api-keys";
import type { Permission } from "@/lib/auth/permissions";
import { hasScope, type ApiScope } from "@/lib/auth/scopes";
import { getConsoleSession, type ConsoleSession } from "@/lib/auth/session";
import { personRequester, type Requester } from "@/lib/audit/actor";
import type { Reader } from "@/lib/audit/reads";
import { VigilError } from "@/lib/errors";
import { clientIp } from "@/lib/net/client-ip";
import { isCrossSite } from "@/lib/http/same-site";

/**
 * Who is asking /api/v1: an integrator's API key, or a signed-in person's console session
 * (DESIGN.md: the /api/v1 wrapper takes either). Both answer the same questions — which org,
 * who to name in the trail, may they do this — so a handler never asks which one it has.
 *
 * A key may do what its scopes say. A person may do what their role's permissions say: each
 * scope needs a permission (SESSION_PERMISSION), and a route may ask for a stronger one (an
 * export needs events:export, as in the console). Writing integrator events is for keys only.
 */

/** A Requester: the trail's actor, address and source for what it asks (DATA_EXPORTED, REPORT_DOWNLOADED). */
export interface Principal extends Requester {
  kind: "api_key" | "session";
  orgId: string;
  /** Rate limits count per principal: the key, or the person. */
  limitKey: string;
  /** The person reading, when it is one: reads are recorded by the org's policy, as in the console. */
  reader: Reader | null;
  /** Why this principal may not use `scope` (a person: `permission`, else the scope's usual one), or null when it may. */
  refusal(scope: ApiScope, permission?: Permission): string | null;
}

/** The permission a person needs for each scope; null: not for people. */
const SESSION_PERMISSION: Record<ApiScope, Permission | null> = {
  "events:read": "events:read",
  "reports:read": "reports:download",
  "events:write": null,
  admin: null,
};

const bearer = () => ({ "WWW-Authenticate": "Bearer" });

export function keyPrincipal(key: ApiKeyPrincipal, req: Request): Principal {
  const refusal = (scope: ApiScope): string | null => (hasScope(key.scopes, scope) ? null : `this API key lacks the '${scope}' scope`);
  return {
    kind: "api_key",
    orgId: key.orgId,
    limitKey: `key:${key.id}`,
    actor: { type: "api", id: key.id, name: key.name },
    source: "api",
    reader: null,
    ip: clientIp(req),
    userAgent: req.headers.get("user-agent") ?? undefined,
    refusal,
  };
}

export function sessionPrincipal(session: ConsoleSession): Principal {
  const refusal = (scope: ApiScope, permission?: Permission): string | null => {
    if (SESSION_PERMISSION[scope] === null) return `this needs an API key with the '${scope}' scope`;
    const needed = permission ?? SESSION_PERMISSION[scope]!;
    return session.permissions.includes(needed) ? null : `your role lacks the '${needed}' permission`;
  };
  return {
    kind: "session",
    orgId: session.org.id,
    limitKey: `user:${session.user.id}`,
    ...personRequester(session.actor),
    reader: session,
    refusal,
  };
}

/**
 * The request's principal: the API key in `Authorization: Bearer` when one is sent (a bad key
 * is refused even with a session cookie beside it), else the console session. A session is
 * refused while the org's MFA requirement is unmet, and for a request another site started
 * (its cookie would go along: a link must not export or download in someone's name).
 */
export async function authenticate(req: Request): Promise<Principal> {
  const header = req.headers.get("authorization");
  if (header !== null) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new VigilError("unauthorized", "send the API key as Authorization: Bearer <api key>", undefined, bearer());
    const key = await authenticateApiKey(match[1]!);
    if (!key) throw new VigilError("unauthorized", "invalid or revoked API key", undefined, bearer());
    return keyPrincipal(key, req);
  }
  // next-auth's session cookie (`__Secure-` over https, `.0`, `.1`… when chunked): without one
  // there is no session to look up, and an integrator's request that forgot its key is
  // answered without reading the cookie store.
  const session = /(?:^|;\s*)(?:__Secure-)?next-auth\.session-token(?:\.\d+)?=/.test(req.headers.get("cookie") ?? "") ? await getConsoleSession() : undefined;
  if (!session) throw new VigilError("unauthorized", "missing API key: send Authorization: Bearer <api key>, or sign in to the console", undefined, bearer());
  if (session.mfaSetupRequired) throw new VigilError("forbidden", "your organization requires MFA: set it up in the console first");
  if (isCrossSite(req)) throw new VigilError("forbidden", "requests from other sites are refused for a console session");
  return sessionPrincipal(session);
}
