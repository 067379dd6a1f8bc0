import { z } from "zod";
import { VigilError } from "@/lib/errors";
import { PERIODS, type Period } from "@/lib/events/filter";

/**
 * A report's period: a preset (24h, 7d, 30d before now) or an explicit from/to. The same
 * parameters as event search, so a report and the search behind one of its figures agree.
 */

export const DEFAULT_PERIOD: Period = "30d";
/** Longest period a report covers: two years, whatever the rollups could answer. */
export const MAX_PERIOD_MS = 731 * 24 * 3600_000;

export interface ReportPeriod {
  /** The preset it was asked as, or null for an explicit range. */
  preset: Period | null;
  from: Date;
  to: Date;
}

const isoDateTime = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone" });

export const periodQuerySchema = z.strictObject({
  period: z.enum(Object.keys(PERIODS) as [Period, ...Period[]]).optional().describe("24h, 7d or 30d before now (default 30d)"),
  from: isoDateTime.optional().describe("start of an explicit period (inclusive); with `to`"),
  to: isoDateTime.optional().describe("end of an explicit period (exclusive); default now"),
});

export type PeriodQuery = z.infer<typeof periodQuerySchema>;

export const REPORT_FORMATS = ["json", "pdf"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The query of a report route: its period and the format. */
export const reportQuerySchema = periodQuerySchema
  .extend({ format: z.enum(REPORT_FORMATS).default("json").describe("json (default) or pdf") })
  .meta({ id: "ReportQuery" });

/** A period that makes no sense: an invalid_request naming the field. */
export class PeriodError extends VigilError {
  constructor(readonly path: string, readonly problem: string) {
    super("invalid_request", "invalid period", [{ path, message: problem }]);
  }
}

/** The period a query asks for; throws PeriodError for a range that makes no sense. */
export function resolvePeriod(query: PeriodQuery, now = new Date()): ReportPeriod {
  if (query.period && (query.from || query.to)) throw new PeriodError("period", "give either period or from/to, not both");
  if (!query.from && query.to) throw new PeriodError("from", "is required with to");
  if (query.from) {
    const from = new Date(query.from);
    const to = query.to ? new Date(query.to) : now;
    if (!(to.getTime() > from.getTime())) throw new PeriodError("to", "must be after from");
    if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new PeriodError("from", "the period must be at most 731 days");
    return { preset: null, from, to: to.getTime() > now.getTime() ? now : to };
  }
  const preset = query.period ?? DEFAULT_PERIOD;
  return { preset, from: new Date(now.getTime() - PERIODS[preset]), to: now };
}

/** How a period reads in an event's metadata and a file name: "30d" or "from..to". */
export function periodKey(p: ReportPeriod): string {
  return p.preset ?? `${p.from.toISOString()}..${p.to.toISOString()}`;
}

export const PRESET_LABELS: Record<Period, string> = { "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days" };

/** Minutes the zone is ahead of UTC at an instant. */
function zoneOffsetMs(at: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - Math.floor(at / 1000) * 1000;
}

/** The instant a calendar day (YYYY-MM-DD) starts in a time zone. */
export function startOfDayIn(day: string, timezone: string): Date {
  const guess = Date.parse(`${day}T00:00:00Z`);
  let at = guess - zoneOffsetMs(guess, timezone);
  // Once more, for a day on which the offset changes.
  at = guess - zoneOffsetMs(at, timezone);
  return new Date(at);
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The period of the console's report form: a preset, or from/to calendar days (both
 * included) in the viewer's time zone. Answers the period or the problem to show.
 */
export function periodFromForm(raw: Record<string, string | string[] | undefined>, timezone: string, now = new Date()): { period: ReportPeriod; error?: string } {
  const one = (k: string) => (typeof raw[k] === "string" ? (raw[k] as string) : undefined);
  const preset = one("period");
  const fromDay = one("from");
  const toDay = one("to");
  const fallback = resolvePeriod({}, now);
  if (preset && preset !== "custom") {
    if (!Object.hasOwn(PERIODS, preset)) return { period: fallback, error: `Unknown period "${preset}".` };
    return { period: resolvePeriod({ period: preset as Period }, now) };
  }
  if (!fromDay && !toDay) return { period: fallback };
  if (!fromDay || !DAY_PATTERN.test(fromDay) || (toDay && !DAY_PATTERN.test(toDay))) return { period: fallback, error: "Pick a start day (and optionally an end day)." };
  const from = startOfDayIn(fromDay, timezone);
  const end = toDay ? startOfDayIn(new Date(Date.parse(`${toDay}T00:00:00Z`) + 24 * 3600_000).toISOString().slice(0, 10), timezone) : now;
  try {
    return { period: resolvePeriod({ from: from.toISOString(), to: end.toISOString() }, now) };
  } catch (err) {
    if (err instanceof PeriodError) return { period: fallback, error: `The period is not valid: ${err.path} ${err.problem}.` };
    throw err;
  }
}
