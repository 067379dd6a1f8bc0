import type { Metadata } from "next";
import { requireSession, can } from "@/lib/auth/session";
import { knownPermissions } from "@/lib/auth/membership";
import { listMembers } from "@/lib/console/members";
import { listInvitations } from "@/lib/console/invitations";
import { listRoles } from "@/lib/console/roles";
import { actorOf, mayGrant, mayManage } from "@/lib/console/rules";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormInput, FormSelect } from "@/components/settings/action-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { formatInZone } from "@/lib/console/time";
import { changeRoleAction, inviteMemberAction, removeMemberAction, revokeInvitationAction } from "./actions";
import { signOutEverywhereAction } from "./session-actions";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const session = await requireSession();
  if (!can(session, "members:manage")) return <NoAccess what="members" />;
  const [members, roles, invitations] = await Promise.all([listMembers(session.org.id), listRoles(session.org.id), listInvitations(session.org.id)]);
  const actor = actorOf(session);
  const byId = new Map(roles.map((r) => [r.id, r]));
  const grantable = roles.filter((r) => mayGrant(actor, r)).map((r) => ({ value: r.id, label: r.builtIn ? r.name : `${r.name} (custom)` }));
  return (
    <>
      <PageHeader title="Members" description={`People who can sign in to ${session.org.name}, and their roles. Role changes take effect on their next page load.`} />
      <Card>
        <CardHeader title="Invite a member" description="They get a link that works once within 7 days: someone new sets their own password, someone with a Vigil account accepts while signed in. Nobody joins until they accept." />
        <div className="p-5">
          <ActionForm action={inviteMemberAction} submitLabel="Invite" resetOnSuccess testId="invite-member">
            <div className="grid gap-3 sm:grid-cols-2">
              <FormInput name="email" label="Email" type="email" required autoComplete="off" />
              <FormSelect name="roleId" label="Role" options={grantable} defaultValue={roles.find((r) => r.key === "director")?.id} />
            </div>
          </ActionForm>
        </div>
      </Card>
      {invitations.length > 0 && (
        <Card className="mt-5 overflow-x-auto">
          <CardHeader title="Pending invitations" />
          <table className="w-full text-sm" data-testid="invitations">
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {invitations.map((i) => (
                <tr key={i.id} data-testid="invitation-row">
                  <td className="px-4 py-2.5">{i.email}</td>
                  <td className="px-4 py-2.5">{i.roleName}</td>
                  <td className="px-4 py-2.5 text-slate-500">expires {formatInZone(i.expiresAt, session.timeZone).slice(0, 16)}</td>
                  <td className="px-4 py-2.5 text-right">
                    <ActionForm action={revokeInvitationAction} submitLabel="Revoke" submitVariant="danger" inline confirm={`Revoke the invitation of ${i.email}?`}>
                      <input type="hidden" name="invitationId" value={i.id} />
                    </ActionForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Card className="mt-5 overflow-x-auto">
        <table className="w-full text-sm" data-testid="members">
          <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Person</th>
              <th scope="col" className="px-4 py-2 font-medium">Role</th>
              <th scope="col" className="px-4 py-2 font-medium">Security</th>
              <th scope="col" className="px-4 py-2 font-medium">Member since</th>
              <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {members.map((m) => {
              const role = byId.get(m.roleId);
              const manageable = mayManage(actor, { userId: m.userId, permissions: knownPermissions(role?.permissions), roleKey: role?.builtIn ? role.key : null });
              return (
                <tr key={m.membershipId} data-testid="member-row">
                  <td className="px-4 py-2.5">
                    <div className="font-medium">{m.name}{m.userId === session.user.id && <span className="ml-1.5 text-xs text-slate-500">(you)</span>}</div>
                    <div className="text-xs text-slate-500">{m.email}</div>
                  </td>
                  <td className="px-4 py-2.5">
                    {manageable ? (
                      <ActionForm action={changeRoleAction} submitLabel="Change" submitVariant="secondary" inline>
                        <input type="hidden" name="membershipId" value={m.membershipId} />
                        <label className="sr-only" htmlFor={`role-${m.membershipId}`}>Role of {m.email}</label>
                        <select id={`role-${m.membershipId}`} name="roleId" defaultValue={m.roleId} className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                          {grantable.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
                        </select>
                      </ActionForm>
                    ) : (
                      <span>{m.roleName}</span>
                    )}
                  </td>
                  <td className="px-4 py-2.5">
                    <div className="flex flex-wrap gap-1">
                      {m.mfaEnabled ? <Badge tone="green">MFA on</Badge> : <Badge>MFA off</Badge>}
                      {m.lockedUntil && <Badge tone="red">Locked</Badge>}
                    </div>
                  </td>
                  <td className="px-4 py-2.5 text-slate-500">{formatInZone(m.joinedAt, session.timeZone).slice(0, 10)}</td>
                  <td className="px-4 py-2.5 text-right">
                    {manageable && (
                      <ActionForm action={signOutEverywhereAction} submitLabel="End their sessions" submitVariant="secondary" inline confirm={`Sign ${m.email} out of ${session.org.name} on every device?`}>
                        <input type="hidden" name="membershipId" value={m.membershipId} />
                      </ActionForm>
                    )}
                    {manageable && (
                      <ActionForm action={removeMemberAction} submitLabel="Remove" submitVariant="danger" inline confirm={`Remove ${m.email} from ${session.org.name}?`}>
                        <input type="hidden" name="membershipId" value={m.membershipId} />
                      </ActionForm>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Card>
    </>
  );
}
