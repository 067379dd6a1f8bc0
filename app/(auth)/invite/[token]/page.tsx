import type { Metadata } from "next";
import { getConsoleSession } from "@/lib/auth/session";
import { viewInvitation } from "@/lib/console/invitations";
import { ActionForm, FormInput } from "@/components/settings/action-form";
import { Card, CardHeader } from "@/components/ui/card";
import { acceptAsNewPersonAction, acceptAsSignedInAction } from "./actions";

export const metadata: Metadata = { title: "Invitation" };
export const dynamic = "force-dynamic";

/**
 * An invitation link. It never says whether an account holds the address: a signed-in
 * holder of the address accepts; anyone else is offered sign-in (coming back here) or, for a
 * person new to Vigil, a form to set their own password.
 */
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = await viewInvitation(token);
  if (!invitation) {
    return <Card className="mx-auto mt-10 max-w-md"><CardHeader title="This invitation can't be used" description="It may have expired, been used or been revoked. Ask for a new one." /></Card>;
  }
  const session = await getConsoleSession();
  const signedInAsInvitee = session?.user.email === invitation.email;
  const back = `/sign-in?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`;
  return (
    <Card className="mx-auto mt-10 max-w-md">
      <CardHeader title={`Join ${invitation.orgName}`} description={`${invitation.email} is invited as ${invitation.roleName}. The link works once and expires ${invitation.expiresAt.slice(0, 10)}.`} />
      <div className="space-y-5 p-5">
        {signedInAsInvitee ? (
          <ActionForm action={acceptAsSignedInAction} submitLabel={`Accept and join ${invitation.orgName}`} testId="accept-invitation">
            <input type="hidden" name="token" value={token} />
          </ActionForm>
        ) : (
          <>
            <p className="text-sm">Have a Vigil account as {invitation.email}? <a className="underline" href={back}>Sign in</a> to accept.</p>
            <ActionForm action={acceptAsNewPersonAction} submitLabel="Create my account and join" testId="accept-new-person">
              <input type="hidden" name="token" value={token} />
              <FormInput name="name" label="Your name" required autoComplete="name" />
              <FormInput name="password" label="Choose a password" type="password" required autoComplete="new-password" minLength={12} />
            </ActionForm>
            <p className="text-sm"><a className="underline" href="/sign-in">Go to sign-in</a> once your account is ready.</p>
          </>
        )}
      </div>
    </Card>
  );
}
