"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";

export function VerifyButton({ id, action }: { id: string; action: (id: string) => Promise<{ verified: boolean; checkedAt: string } | { error: string }> }) {
  const [result, setResult] = useState<string | undefined>();
  const [pending, start] = useTransition();
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        type="button"
        size="sm"
        variant="secondary"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await action(id);
            setResult("error" in r ? r.error : r.verified ? `✓ verified again at ${new Date(r.checkedAt).toLocaleTimeString()}` : "✕ verification failed");
          })
        }
      >
        {pending ? "Verifying…" : "Verify now"}
      </Button>
      <span role="status" className="text-xs text-slate-500" data-testid="verify-result">{result}</span>
    </span>
  );
}
