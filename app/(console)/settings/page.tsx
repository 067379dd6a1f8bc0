import { redirect } from "next/navigation";
import { requireSession } from "@/lib/auth/session";
import { SETTINGS_NAV, visible } from "@/lib/console/navigation";

export default async function SettingsIndex() {
  const session = await requireSession();
  redirect(visible(SETTINGS_NAV, session.permissions)[0]?.href ?? "/settings/account");
}
