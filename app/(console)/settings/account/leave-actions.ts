"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { leaveOrg } from "@/lib/console/members";

/** Nobody is kept in an org against their will (issue 10, finding 1): a member leaves by themselves. */
export const leaveOrgAction = consoleAction({ allowMfaSetup: true, input: z.object({}) }, async (session) => {
  await leaveOrg(session.org.id, session.actor);
  redirect("/");
});
