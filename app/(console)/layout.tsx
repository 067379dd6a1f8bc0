import Link from "next/link";
import { getConsoleSession, redirectToSignIn } from "@/lib/auth/session";
import { MAIN_NAV, visible } from "@/lib/console/navigation";
import { NavLinks } from "@/components/console/nav-links";
import { OrgSwitcher } from "@/components/console/org-switcher";
import { ThemeToggle } from "@/components/console/theme-toggle";
import { TimeZoneCookie } from "@/components/console/time-zone-cookie";
import { UserMenu } from "@/components/console/user-menu";
import { switchOrg } from "./actions";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const session = await getConsoleSession();
  if (!session) return redirectToSignIn();
  const nav = visible(MAIN_NAV, session.permissions).map(({ href, label }) => ({ href, label }));
  return (
    <div className="min-h-screen bg-slate-50 dark:bg-slate-950">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur dark:border-slate-800 dark:bg-slate-950/95">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-4 px-4 lg:px-6">
          <Link href="/events" className="flex shrink-0 items-center gap-2 rounded focus-visible:outline-2 focus-visible:outline-indigo-500">
            <span aria-hidden className="grid size-7 place-items-center rounded-md bg-indigo-600 text-xs font-bold text-white">V</span>
            <span className="font-semibold tracking-tight">Vigil</span>
          </Link>
          <nav aria-label="Main" className="min-w-0 flex-1">
            <NavLinks items={nav} className="flex items-center gap-1 overflow-x-auto" />
          </nav>
          <div className="flex shrink-0 items-center gap-2">
            {session.orgs.length > 1 ? (
              <OrgSwitcher orgs={session.orgs} currentId={session.org.id} action={switchOrg} />
            ) : (
              <span className="hidden max-w-48 truncate text-sm font-medium text-slate-600 md:inline dark:text-slate-300" data-testid="org-name">{session.org.name}</span>
            )}
            <ThemeToggle />
            <UserMenu name={session.user.name} email={session.user.email} role={session.role.name} />
          </div>
        </div>
      </header>
      <TimeZoneCookie current={session.timeZone} />
      <main id="main" className="mx-auto max-w-7xl px-4 py-6 lg:px-6">
        {children}
      </main>
    </div>
  );
}
