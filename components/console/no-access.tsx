/** Shown when a role lacks the permission a page needs. The server has already refused the data. */
export function NoAccess({ what }: { what: string }) {
  return (
    <div className="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-8 text-center dark:border-slate-800 dark:bg-slate-900" data-testid="no-access">
      <h1 className="text-lg font-semibold">You don&apos;t have access to {what}</h1>
      <p className="mt-2 text-sm text-slate-500">Your role in this organization doesn&apos;t include it. An administrator can change your role.</p>
    </div>
  );
}
