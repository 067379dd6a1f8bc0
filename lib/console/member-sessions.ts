import { knownPermissions } from "@/lib/auth/membership";
import { cutOffOrgSessions } from "@/lib/auth/user-sessions";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { assertCanManage, type Authority } from "@/lib/console/rules";
import { builtInKey, lockMember } from "@/lib/console/members";

/**
 * An org admin's "Sign out everywhere" for a member (Settings → Members, members:manage):
 * every session the member has now stops opening this org; they sign in again to come
 * back. Only this org: the person's other orgs are not this admin's to act on (the same
 * rule as an org's blocklist, issue 10 finding 1). The usual rules hold: nobody acts on
 * themselves here or on someone whose role holds more than theirs. SESSION_REVOKED in the
 * org, in the same transaction.
 */
export async function signOutMemberEverywhere(orgId: string, actor: Authority & { audit: PersonActor }, input: { membershipId: string }): Promise<{ email: string; sessions: number }> {
  return withAudit(orgId, actor.audit, async (client) => {
    const member = await lockMember(client, orgId, input.membershipId);
    assertCanManage(actor, { userId: member.user_id, permissions: knownPermissions(member.permissions), roleKey: builtInKey(member) });
    const sessions = await cutOffOrgSessions(client, orgId, member.user_id);
    return {
      result: { email: member.email, sessions },
      events: [{
        action: "SESSION_REVOKED",
        category: "authentication",
        severity: "warning",
        targets: [{ type: "user", id: member.user_id, name: member.email }],
        metadata: { scope: "org", action: "signed_out_everywhere", user: member.email, sessions },
      }],
    };
  });
}
