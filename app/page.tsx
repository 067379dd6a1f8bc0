import Link from "next/link";

/**
 * The public landing page. Anonymous visitors see what Vigil is and where to sign in —
 * nothing derived from any tenant (no counts of organizations or events: docs/security.md,
 * finding 12). Health lives at /api/health, which says only whether the database answers.
 */
export default function Home() {
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Vigil</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">Tamper-evident audit logs for SaaS teams.</p>
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
