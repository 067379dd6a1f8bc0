"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getConsoleSession, ORG_COOKIE } from "@/lib/auth/session";

/** Switches the current org; refused (silently kept) unless the user is a member of it. */
export async function switchOrg(form: FormData): Promise<void> {
  const session = await getConsoleSession();
  if (!session) redirect("/sign-in");
  const orgId = String(form.get("orgId") ?? "");
  if (session.orgs.some((o) => o.id === orgId)) {
    (await cookies()).set(ORG_COOKIE, orgId, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 365 * 24 * 3600 });
  }
  redirect("/events");
}
