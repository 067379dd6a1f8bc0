import Link from "next/link";
import type { SavedSearch } from "@/lib/console/saved-searches";
import type { ActionState } from "@/lib/http/action";
import { ActionForm, FormInput } from "@/components/settings/action-form";

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/** The person's saved searches as links, and a form to save the one on screen. */
export function SavedSearches({ searches, currentQuery, save, remove }: { searches: SavedSearch[]; currentQuery: string; save: Action; remove: Action }) {
  return (
    <details className="group rounded-lg border border-slate-200 bg-white text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="saved-searches">
      <summary className="cursor-pointer list-none px-4 py-2 font-medium text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 [&::-webkit-details-marker]:hidden">
        Saved searches <span className="text-slate-400">({searches.length})</span>
      </summary>
      <div className="space-y-3 border-t border-slate-200 px-4 py-3 dark:border-slate-800">
        {searches.length > 0 && (
          <ul className="space-y-1">
            {searches.map((s) => (
              <li key={s.id} className="flex items-center justify-between gap-2">
                <Link href={`/events?${s.query}`} className="truncate text-indigo-700 hover:underline dark:text-indigo-300">{s.name}</Link>
                <ActionForm action={remove} submitLabel="Delete" submitVariant="ghost" inline>
                  <input type="hidden" name="id" value={s.id} />
                </ActionForm>
              </li>
            ))}
          </ul>
        )}
        <ActionForm action={save} submitLabel="Save this search" submitVariant="secondary" inline resetOnSuccess>
          <input type="hidden" name="query" value={currentQuery} />
          <FormInput name="name" label="Name" placeholder="Failed logins from the attacker range" className="min-w-64 flex-1" />
        </ActionForm>
      </div>
    </details>
  );
}
