import Link from "next/link";
import { pool } from "@/lib/db/pool";

export const dynamic = "force-dynamic";

async function status(): Promise<{ orgs: number; events: number } | undefined> {
  try {
    const { rows } = await pool().query<{ orgs: number; events: number }>(
      "select (select count(*) from organizations)::int as orgs, (select coalesce(sum(seq), 0) from chain_heads)::int as events",
    );
    return rows[0];
  } catch {
    return undefined;
  }
}

export default async function Home() {
  const s = await status();
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Vigil</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">Tamper-evident audit logs for SaaS teams.</p>
      <dl className="mt-8 grid grid-cols-2 gap-4">
        <div className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <dt className="text-sm text-slate-500">Organizations</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="org-count">{s ? s.orgs.toLocaleString("en-US") : "—"}</dd>
        </div>
        <div className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <dt className="text-sm text-slate-500">Events in the chain</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="event-count">{s ? s.events.toLocaleString("en-US") : "—"}</dd>
        </div>
      </dl>
      {!s && <p role="status" className="mt-4 text-amber-700">The database is not reachable right now.</p>}
      <p className="mt-8">
        <Link href="/events" className="inline-flex h-9 items-center rounded-md bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-500">
          Open the console
        </Link>
      </p>
      <ul className="mt-8 list-disc space-y-1 pl-5 text-sm">
        <li><a className="text-indigo-600 underline" href="/api/v1/openapi.json">API reference (OpenAPI)</a></li>
        <li><a className="text-indigo-600 underline" href="/api/health">Health</a></li>
      </ul>
    </main>
  );
}
