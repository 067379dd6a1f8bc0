"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/auth/action";
import { addMember, changeMemberRole, removeMember } from "@/lib/console/members";
import { actorOf } from "@/lib/console/rules";

const id = z.string().uuid("choose one");

export const addMemberAction = consoleAction(
  { permission: "members:manage", input: z.object({ email: z.email("must be an email address").max(320), name: z.string().max(200).optional(), roleId: id }) },
  async (session, input) => {
    const { temporaryPassword } = await addMember(session.org.id, actorOf(session), input);
    revalidatePath("/settings/members");
    if (!temporaryPassword) return { ok: true, message: `${input.email} now belongs to ${session.org.name}. They sign in with their existing password.` };
    return {
      ok: true,
      message: `Added ${input.email}.`,
      secret: { label: "Their temporary password, shown only now. Share it safely; they can sign in with it right away.", values: [temporaryPassword] },
    };
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
