import type { Metadata } from "next";
import { requireSession } from "@/lib/auth/session";
import { mfaStatus } from "@/lib/console/account-mfa";
import { accountSessions } from "@/lib/console/account-sessions";
import { formatInZone } from "@/lib/console/time";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/passwords";
import { SESSION_ABSOLUTE_S, SESSION_IDLE_S } from "@/lib/auth/user-sessions";
import { ActionForm, FormInput } from "@/components/settings/action-form";
import { PageHeader } from "@/components/console/page-header";
import { MfaPanel } from "@/components/settings/mfa-panel";
import { Notice } from "@/components/ui/alert";
import { Card, CardHeader } from "@/components/ui/card";
import { leaveOrgAction } from "./leave-actions";
import {
  changePasswordAction, confirmMfaAction, disableMfaAction, regenerateRecoveryCodesAction, revokeOtherSessionsAction, revokeSessionAction, startMfaAction,
} from "./actions";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const session = await requireSession({ allowMfaSetup: true });
  const [mfa, sessions] = await Promise.all([mfaStatus(session.user.id), accountSessions(session.user.id, session.sessionId)]);
  const when = (iso: string) => formatInZone(iso, session.timeZone);
  return (
    <>
      <PageHeader title="Your account" description={`${session.user.name} · ${session.user.email} · ${session.role.name} in ${session.org.name}`} />
      {session.mfaSetupRequired && (
        <Notice tone="warning" className="mb-4" testId="mfa-required">
          {session.org.name} requires two-factor authentication. Set it up to continue to the console.
        </Notice>
      )}
      <Card>
        <CardHeader title="Two-factor authentication" description="Changes are recorded as MFA_ENABLED, MFA_RECOVERY_CODES_REGENERATED or MFA_DISABLED in each of your organizations." />
        <div className="p-5">
          <MfaPanel enabled={mfa.enabled} requiredBy={mfa.requiredBy} recoveryCodesLeft={mfa.recoveryCodesLeft} start={startMfaAction} confirm={confirmMfaAction} disable={disableMfaAction} regenerate={regenerateRecoveryCodesAction} />
        </div>
      </Card>
      <Card className="mt-5">
        <CardHeader title="Leave organization" description={`You stop being a member of ${session.org.name}; your account and your other organizations stay. The last owner can't leave.`} />
        <div className="p-5">
          <ActionForm action={leaveOrgAction} submitLabel={`Leave ${session.org.name}`} submitVariant="danger" confirm={`Leave ${session.org.name}?`} testId="leave-org" />
        </div>
      </Card>
      <Card className="mt-5">
        <CardHeader title="Password" description={`At least ${PASSWORD_MIN_LENGTH} characters. Changing it signs out every other session of yours; it is recorded as PASSWORD_CHANGED.`} />
        <div className="p-5">
          <ActionForm action={changePasswordAction} submitLabel="Change password" resetOnSuccess testId="change-password">
            <div className="grid max-w-md gap-3">
              <FormInput name="currentPassword" label="Current password" type="password" autoComplete="current-password" required />
              <FormInput name="newPassword" label="New password" type="password" autoComplete="new-password" minLength={PASSWORD_MIN_LENGTH} required />
              <FormInput name="confirmPassword" label="New password again" type="password" autoComplete="new-password" minLength={PASSWORD_MIN_LENGTH} required />
            </div>
          </ActionForm>
        </div>
      </Card>
      <Card className="mt-5 overflow-x-auto">
        <CardHeader
          title="Where you are signed in"
          description={`A session ends when you sign out, after ${SESSION_IDLE_S / 3600} hours without use, and ${SESSION_ABSOLUTE_S / 3600} hours after sign-in at the latest.`}
        />
        <table className="w-full text-sm" data-testid="sessions">
          <thead className="border-y border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Device</th>
              <th scope="col" className="px-4 py-2 font-medium">Address</th>
              <th scope="col" className="px-4 py-2 font-medium">Signed in</th>
              <th scope="col" className="px-4 py-2 font-medium">Last seen</th>
              <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {sessions.map((s) => (
              <tr key={s.id} data-testid="session-row">
                <td className="px-4 py-2.5">
                  <div className="font-medium">{s.device ?? "Unknown device"}{s.current && <span className="ml-1.5 text-xs text-emerald-700 dark:text-emerald-400" data-testid="this-session">this session</span>}</div>
                  {s.userAgent && <div className="max-w-md truncate font-mono text-xs text-slate-500" title={s.userAgent}>{s.userAgent}</div>}
                </td>
                <td className="px-4 py-2.5 font-mono text-[13px]">{s.ip ?? "—"}</td>
                <td className="px-4 py-2.5 text-slate-500">{when(s.createdAt)}</td>
                <td className="px-4 py-2.5 text-slate-500">{when(s.lastSeenAt)}</td>
                <td className="px-4 py-2.5 text-right">
                  {!s.current && (
                    <ActionForm action={revokeSessionAction} submitLabel="End session" submitVariant="secondary" inline>
                      <input type="hidden" name="sessionId" value={s.id} />
                    </ActionForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {sessions.length > 1 && (
          <div className="border-t border-slate-200 px-4 py-3 dark:border-slate-800">
            <ActionForm action={revokeOtherSessionsAction} submitLabel="End all other sessions" submitVariant="danger" inline confirm="End every other session of yours?" />
          </div>
        )}
      </Card>
    </>
  );
}
