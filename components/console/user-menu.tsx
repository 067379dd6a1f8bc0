"use client";

import Link from "next/link";
import { signOut } from "next-auth/react";
import { useState } from "react";

/** The signed-in person: their role, their account settings, and sign out (recorded as LOGOUT). */
export function UserMenu({ name, email, role }: { name: string; email: string; role: string }) {
  const [signingOut, setSigningOut] = useState(false);
  return (
    <details className="group relative">
      <summary
        className="flex h-8 cursor-pointer list-none items-center gap-2 rounded-md px-2 text-sm hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800 [&::-webkit-details-marker]:hidden"
        data-testid="user-menu"
      >
        <span aria-hidden className="grid size-6 place-items-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300">
          {(name || email).slice(0, 1).toUpperCase()}
        </span>
        <span className="hidden max-w-40 truncate lg:inline">{name || email}</span>
      </summary>
      <div className="absolute right-0 z-20 mt-1 w-64 rounded-md border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-800 dark:bg-slate-900">
        <div className="px-3 py-2">
          <p className="truncate text-sm font-medium">{name}</p>
          <p className="truncate text-xs text-slate-500">{email}</p>
          <p className="mt-1 text-xs text-slate-500">Role: <span data-testid="current-role">{role}</span></p>
        </div>
        <Link href="/settings/account" className="block rounded px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
          Account and MFA
        </Link>
        <button
          type="button"
          disabled={signingOut}
          onClick={() => {
            setSigningOut(true);
            void signOut({ callbackUrl: "/sign-in" });
          }}
          className="block w-full rounded px-3 py-1.5 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
        >
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </div>
    </details>
  );
}
