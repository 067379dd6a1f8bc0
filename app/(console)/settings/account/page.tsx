import type { Metadata } from "next";
import { requireSession } from "@/lib/auth/session";
import { mfaStatus } from "@/lib/console/account-mfa";
import { PageHeader } from "@/components/console/page-header";
import { MfaPanel } from "@/components/settings/mfa-panel";
import { Notice } from "@/components/ui/alert";
import { Card, CardHeader } from "@/components/ui/card";
import { ActionForm } from "@/components/settings/action-form";
import { leaveOrgAction } from "./leave-actions";
import { confirmMfaAction, disableMfaAction, regenerateRecoveryCodesAction, startMfaAction } from "./actions";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const session = await requireSession({ allowMfaSetup: true });
  const mfa = await mfaStatus(session.user.id);
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
    </>
  );
}
