"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { signOutMemberEverywhere } from "@/lib/console/member-sessions";
import { actorOf } from "@/lib/console/rules";

export const signOutEverywhereAction = consoleAction(
  { permission: "members:manage", input: z.object({ membershipId: z.string().uuid("choose one") }) },
  async (session, input) => {
    const { email } = await signOutMemberEverywhere(session.org.id, actorOf(session), input);
    revalidatePath("/settings/members");
    return { ok: true, message: `${email} is signed out of ${session.org.name} everywhere; they sign in again to come back.` };
  },
);
