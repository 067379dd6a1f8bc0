import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requireSession, can } from "@/lib/auth/session";
import { recordEventsSearched, type Reader } from "@/lib/audit/reads";
import { runSearch, searchFormState } from "@/lib/console/search-page";
import { listSavedSearches } from "@/lib/console/saved-searches";
import { SavedSearches } from "@/components/events/saved-searches";
import { deleteSavedSearchAction, saveSearchAction } from "./actions";
import type { EventFilter } from "@/lib/events/filter";
import { PageHeader } from "@/components/console/page-header";
import { NoAccess } from "@/components/console/no-access";
import { SearchForm } from "@/components/events/search-form";
import { ExportDialog } from "@/components/events/export-dialog";
import { ResultsSkeleton, ResultsTable } from "@/components/events/results-table";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Events" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function EventsPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await requireSession();
  if (!can(session, "events:read")) return <NoAccess what="events" />;
  const raw = await searchParams;
  const state = searchFormState(raw, session.timeZone);
  const saved = await listSavedSearches(session.org.id, session.user.id);
  const key = state.baseParams + "&" + (state.cursor ?? "");
  return (
    <>
      <PageHeader
        title="Events"
        description={<>Every event of {session.org.name}, newest first. Times are in {session.timeZone}; hover a time for UTC.</>}
        actions={can(session, "events:export") && state.filter ? (
          <div className="flex gap-2" data-testid="export-actions">
            <ExportDialog baseParams={state.baseParams} />
          </div>
        ) : undefined}
      />
      <SearchForm key={key} initialControls={state.controls} initialExtras={state.extras} initialQuery={state.queryBar} serverErrors={state.errors} />
      <div className="mt-3">
        <SavedSearches searches={saved} currentQuery={state.baseParams} save={saveSearchAction} remove={deleteSavedSearchAction} />
      </div>
      <Card className="mt-4 overflow-hidden">
        {state.filter ? (
          <Suspense key={key} fallback={<ResultsSkeleton />}>
            <Results reader={session} filter={state.filter} cursor={state.limitCursor} baseParams={state.baseParams} timeZone={session.timeZone} />
          </Suspense>
        ) : (
          <div className="px-6 py-12 text-center" data-testid="search-invalid">
            <p className="text-sm font-medium">This search can&apos;t run yet</p>
            <p className="mt-1 text-sm text-slate-500">Fix what is marked in the form above, then search again.</p>
          </div>
        )}
      </Card>
    </>
  );
}

async function Results({ reader, filter, cursor, baseParams, timeZone }: { reader: Reader; filter: EventFilter; cursor?: string; baseParams: string; timeZone: string }) {
  const page = await runSearch(reader.org.id, filter, cursor);
  // Where the org records reads: the first page is the search; older pages are not a new one.
  if (!cursor && !("error" in page)) {
    await recordEventsSearched(reader, { filter, params: baseParams, results: page.data.length, more: page.next_cursor !== null });
  }
  if ("error" in page) {
    return (
      <div className="px-6 py-12 text-center" data-testid="search-invalid">
        <p className="text-sm font-medium">This page of results is no longer valid</p>
        <p className="mt-1 text-sm text-slate-500">{page.error}</p>
        <Link href={`/events?${baseParams}`} className={buttonClass("secondary", "sm") + " mt-4"}>Back to the newest events</Link>
      </div>
    );
  }
  if (page.data.length === 0) {
    const widen = new URLSearchParams(baseParams);
    widen.set("period", "any");
    widen.delete("from");
    widen.delete("to");
    return (
      <div className="px-6 py-14 text-center" data-testid="empty-state">
        <p className="text-sm font-semibold">No events match this search</p>
        <p className="mx-auto mt-1 max-w-md text-sm text-slate-500">
          {cursor ? "There are no older events for this search." : "Try a longer period, fewer filters, or a CIDR range instead of a single address. Free text matches people, targets, reasons and metadata values."}
        </p>
        <div className="mt-4 flex justify-center gap-2">
          {!cursor && <Link href={`/events?${widen.toString()}`} className={buttonClass("secondary", "sm")}>Search any time</Link>}
          <Link href="/events?period=any" className={buttonClass("ghost", "sm")}>Clear all filters</Link>
        </div>
      </div>
    );
  }
  const next = new URLSearchParams(baseParams);
  if (page.next_cursor) next.set("cursor", page.next_cursor);
  return (
    <>
      <ResultsTable events={page.data} timeZone={timeZone} />
      <nav aria-label="Pages" className="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-sm dark:border-slate-800">
        <span className="text-slate-500" data-testid="result-count">
          {page.data.length} event{page.data.length === 1 ? "" : "s"}{cursor ? " (older page)" : ""}
        </span>
        <div className="flex gap-2">
          {cursor && <Link href={`/events?${baseParams}`} className={buttonClass("ghost", "sm")}>Newest</Link>}
          {page.next_cursor && (
            <Link href={`/events?${next.toString()}`} className={buttonClass("secondary", "sm")} data-testid="next-page">
              Older events →
            </Link>
          )}
        </div>
      </nav>
    </>
  );
}
