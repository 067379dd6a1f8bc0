"use client";

import { useSyncExternalStore } from "react";

type Theme = "light" | "dark" | "system";
const KEY = "vigil-theme";
const listeners = new Set<() => void>();

function read(): Theme {
  const t = localStorage.getItem(KEY);
  return t === "light" || t === "dark" ? t : "system";
}

function apply(theme: Theme) {
  if (theme === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
  const dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
  listeners.forEach((l) => l());
}

/** Light, dark or the system's: saved in localStorage and applied before paint by the root layout. */
export function ThemeToggle() {
  const theme = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
    () => "system" as Theme,
  );
  return (
    <label className="flex items-center gap-1.5 text-xs text-slate-500">
      <span className="sr-only">Theme</span>
      <select
        value={theme}
        onChange={(e) => apply(e.target.value as Theme)}
        className="h-8 rounded-md border border-slate-300 bg-white px-1.5 text-xs text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300"
        aria-label="Theme"
        data-testid="theme-select"
      >
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
