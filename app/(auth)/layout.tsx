export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-50 px-4 py-12 dark:bg-slate-950">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <span aria-hidden className="grid size-8 place-items-center rounded-md bg-indigo-600 text-sm font-bold text-white">V</span>
          <span className="text-lg font-semibold tracking-tight">Vigil</span>
        </div>
        {children}
      </div>
    </main>
  );
}
