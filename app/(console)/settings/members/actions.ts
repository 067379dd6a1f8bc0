"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { changeMemberRole, removeMember } from "@/lib/console/members";
import { inviteMember, revokeInvitation } from "@/lib/console/invitations";
import { actorOf } from "@/lib/console/rules";

const id = z.string().uuid("choose one");

export const inviteMemberAction = consoleAction(
  { permission: "members:manage", input: z.object({ email: z.email("must be an email address").max(320), roleId: id }) },
  async (session, input) => {
    // The same answer whether or not the address has a Vigil account (issue 10, finding 1).
    const { link, emailed } = await inviteMember(session.org.id, actorOf(session), input);
    revalidatePath("/settings/members");
    return {
      ok: true,
      message: emailed ? `Invited ${input.email}: the invitation was sent by e-mail.` : `Invited ${input.email}.`,
      secret: { label: "The invitation link, shown only now. Send it to them: it works once, within 7 days, and they set their own password or accept while signed in.", values: [link] },
    };
  },
);

export const revokeInvitationAction = consoleAction(
  { permission: "members:manage", input: z.object({ invitationId: id }) },
  async (session, input) => {
    await revokeInvitation(session.org.id, actorOf(session), input);
    revalidatePath("/settings/members");
    return { ok: true, message: "Invitation revoked." };
  },
);

export const changeRoleAction = consoleAction(
  { permission: "members:manage", input: z.object({ membershipId: id, roleId: id }) },
  async (session, input) => {
    await changeMemberRole(session.org.id, actorOf(session), input);
    revalidatePath("/settings/members");
    return { ok: true, message: "Role changed." };
  },
);

export const removeMemberAction = consoleAction(
  { permission: "members:manage", input: z.object({ membershipId: id }) },
  async (session, input) => {
    await removeMember(session.org.id, actorOf(session), input);
    revalidatePath("/settings/members");
    return { ok: true, message: "Member removed." };
  },
);
