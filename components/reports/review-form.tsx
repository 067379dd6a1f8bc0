"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/http/action";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

/** Review of one settings change: compliant or not, with a note. */
export function ReviewForm({ eventId, action }: { eventId: string; action: (prev: ActionState, form: FormData) => Promise<ActionState> }) {
  const [state, submit, pending] = useActionState(action, null);
  if (state?.ok) return <p className="text-xs text-emerald-700 dark:text-emerald-400" role="status">{state.message}</p>;
  return (
    <form action={submit} className="flex flex-wrap items-center gap-1.5" data-testid="review-form">
      <input type="hidden" name="eventId" value={eventId} />
      <label className="sr-only" htmlFor={`note-${eventId}`}>Note</label>
      <input id={`note-${eventId}`} name="note" placeholder="Note (ticket, approval…)" maxLength={2000} className={inputClass() + " h-8 w-44"} />
      <Button type="submit" name="compliant" value="yes" size="sm" variant="secondary" disabled={pending}>Compliant</Button>
      <Button type="submit" name="compliant" value="no" size="sm" variant="danger" disabled={pending}>Not compliant</Button>
      {state && !state.ok ? <p className="w-full text-xs text-red-600 dark:text-red-400" role="status">{state.message}</p> : null}
    </form>
  );
}
