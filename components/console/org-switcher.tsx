"use client";

import { useRef } from "react";

export function OrgSwitcher({ orgs, currentId, action }: { orgs: { id: string; name: string }[]; currentId: string; action: (form: FormData) => Promise<void> }) {
  const form = useRef<HTMLFormElement>(null);
  return (
    <form ref={form} action={action} className="flex items-center">
      <label htmlFor="org-switcher" className="sr-only">Organization</label>
      <select
        id="org-switcher"
        name="orgId"
        defaultValue={currentId}
        onChange={() => form.current?.requestSubmit()}
        className="h-8 max-w-48 truncate rounded-md border border-slate-300 bg-white px-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-700 dark:bg-slate-900"
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>{o.name}</option>
        ))}
      </select>
      <noscript>
        <button type="submit" className="ml-1 text-sm underline">Switch</button>
      </noscript>
    </form>
  );
}
