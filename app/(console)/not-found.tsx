import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function ConsoleNotFound() {
  return (
    <div className="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-8 text-center dark:border-slate-800 dark:bg-slate-900" data-testid="not-found">
      <p className="text-sm font-medium text-indigo-600">404</p>
      <h1 className="mt-1 text-lg font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-slate-500">There is nothing here in this organization. The link may be wrong, or it belongs to another organization.</p>
      <Link href="/events" className={buttonClass("secondary") + " mt-5"}>Back to events</Link>
    </div>
  );
}
