import { getConsoleSession, redirectToSignIn } from "@/lib/auth/session";
import { SETTINGS_NAV, visible } from "@/lib/console/navigation";
import { NavLinks } from "@/components/console/nav-links";

export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const session = await getConsoleSession();
  if (!session) return redirectToSignIn();
  const items = visible(SETTINGS_NAV, session.permissions).map(({ href, label }) => ({ href, label }));
  return (
    <div className="grid gap-6 md:grid-cols-[12rem_1fr]">
      <nav aria-label="Settings">
        <NavLinks items={items} className="flex gap-1 overflow-x-auto md:flex-col" />
      </nav>
      <div className="min-w-0">{children}</div>
    </div>
  );
}
