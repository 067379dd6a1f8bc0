"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { ORG_COOKIE } from "@/lib/auth/session";
import { consoleFormAction } from "@/lib/http/action";

/**
 * Switches the current org; refused (silently kept) unless the user is a member of it. Open
 * while an org's MFA setup is still due, so a person can move to another org meanwhile.
 */
export const switchOrg = consoleFormAction(
  { input: z.object({ orgId: z.string().max(100) }), back: () => "/events", allowMfaSetup: true },
  async (session, { orgId }) => {
    if (session.orgs.some((o) => o.id === orgId)) {
      (await cookies()).set(ORG_COOKIE, orgId, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 365 * 24 * 3600 });
    }
    return "/events";
  },
);
