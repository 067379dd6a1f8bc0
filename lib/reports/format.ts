/**
 * Formatting shared by the report page and the PDF, so both print a figure the same way.
 */

const DAY_MS = 24 * 3600_000;

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function dayIn(at: Date, timezone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** Every calendar day, in the time zone, that [from, to) touches. */
export function daysOf(from: Date, to: Date, timezone: string): string[] {
  const first = dayIn(from, timezone);
  const last = dayIn(new Date(Math.max(from.getTime(), to.getTime() - 1)), timezone);
  const days: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); ; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push(day);
    if (day >= last || days.length > 800) break;
  }
  return days;
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 2500 → "2,500"; null → "—". */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : integer.format(n);
}

/** An instant as "2026-11-26 14:30 UTC" in the org's time zone. */
export function formatDateTime(iso: string, timezone: string): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("timeZoneName")}`;
}

/** "2026-10-27 – 2026-11-26" for the period's first and last day. */
export function formatDays(days: string[]): string {
  if (days.length === 0) return "";
  return days.length === 1 ? days[0]! : `${days[0]} – ${days[days.length - 1]}`;
}

/** "3f2a9c…e1b0" for a hash in prose; full hashes go in tables. */
export function shortHash(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** "1 event", "2,500 events". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
