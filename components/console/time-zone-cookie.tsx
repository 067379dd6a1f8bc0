"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** Tells the server the viewer's time zone, so server-rendered times are the viewer's local times. */
export function TimeZoneCookie({ current }: { current: string }) {
  const router = useRouter();
  useEffect(() => {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("vigil-tz="))?.slice("vigil-tz=".length);
    if (tz && decodeURIComponent(cookie ?? "") !== tz) {
      document.cookie = `vigil-tz=${encodeURIComponent(tz)}; path=/; max-age=31536000; samesite=lax`;
      if (tz !== current) router.refresh();
    }
  }, [current, router]);
  return null;
}
