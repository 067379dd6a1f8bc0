"use client";

import { Button } from "@/components/ui/button";

export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-6 text-center dark:border-slate-800 dark:bg-slate-900">
      <h1 className="text-base font-semibold">This page could not be shown</h1>
      <p className="mt-2 text-sm text-slate-500">
        Something went wrong on our side. Try again; if it keeps happening, give your administrator this reference:{" "}
        <code className="font-mono text-xs">{error.digest ?? "n/a"}</code>
      </p>
      <Button className="mt-4" onClick={reset}>Try again</Button>
    </div>
  );
}
