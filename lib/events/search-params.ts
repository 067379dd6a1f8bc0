import { z } from "zod";
import { CATEGORIES, STATUSES } from "@/lib/events/catalog";
import { EXPORT_FORMATS } from "@/lib/events/export-formats";
import { FilterError, PERIODS, emptyFilter, filterSizeErrors, mergeFilters, validateFilter, type EventFilter } from "@/lib/events/filter";
import { parseQuery } from "@/lib/events/query-language";
import { text as eventText, zodErrors } from "@/lib/events/schema";

/**
 * Search parameters as they appear in a URL (the API's query string and the console's
 * address bar): the same names, the same meaning, parsed into one EventFilter.
 */

const list = z
  .string()
  .max(2000)
  .transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean));

export const searchQuerySchema = z
  .strictObject({
    q: z.string().max(2000).optional().describe("query language, e.g. `actor:john@company.com action:CONTACT_* -status:success`"),
    period: z.enum(Object.keys(PERIODS) as [keyof typeof PERIODS]).optional().describe("24h, 7d or 30d before now"),
    from: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone" }).optional(),
    to: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone" }).optional(),
    actor: list.optional().describe("actor emails (containing @) or actor ids, comma-separated"),
    category: list.optional().describe(`comma-separated: ${CATEGORIES.join(", ")}`),
    action: list.optional().describe("actions, comma-separated; `*` is a wildcard (CONTACT_*)"),
    ip: list.optional().describe("IP addresses or CIDR ranges, v4 or v6, comma-separated"),
    status: list.optional().describe(`comma-separated: ${STATUSES.join(", ")}`),
    text: z.string().max(256).optional().describe("free text over actor, targets, reason and metadata values"),
    limit: z.coerce.number().int().min(1, "must be at least 1").max(200, "must be at most 200").default(50),
    cursor: z.string().max(200).optional().describe("next_cursor of the previous page"),
  })
  .meta({ id: "EventSearchQuery" });

export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** Reads URL search params into a plain object; repeated names join with commas. */
export function paramsToObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) out[key] = key in out ? `${out[key]},${value}` : value;
  return out;
}

export function parseSearchQuery(params: URLSearchParams, allowed: z.ZodObject = searchQuerySchema): SearchQuery {
  const parsed = allowed.safeParse(paramsToObject(params));
  if (!parsed.success) throw new FilterError(zodErrors(parsed.error, "", "(query)"));
  return parsed.data as SearchQuery;
}

export function queryToFilter(query: Partial<SearchQuery>, now = Date.now()): EventFilter {
  const filter = emptyFilter();
  if (query.period) filter.from = new Date(now - PERIODS[query.period]);
  if (query.from) filter.from = new Date(query.from);
  if (query.to) filter.to = new Date(query.to);
  filter.actor = query.actor ?? [];
  filter.category = (query.category ?? []) as EventFilter["category"];
  filter.action = (query.action ?? []).map((a) => a.toUpperCase());
  filter.ip = query.ip ?? [];
  filter.status = (query.status ?? []) as EventFilter["status"];
  if (query.text) filter.text = [query.text];
  validateFilter(filter);
  const merged = query.q ? mergeFilters(filter, parseQuery(query.q)) : filter;
  // The limits hold for the whole search, list parameters (actor=a,b,c…) and q together.
  const tooLarge = filterSizeErrors(merged, query.q ? "q" : "(query)");
  if (tooLarge.length > 0) throw new FilterError(tooLarge);
  return merged;
}

export const exportQuerySchema = searchQuerySchema
  .omit({ limit: true, cursor: true })
  .extend({
    format: z.enum(EXPORT_FORMATS).default("ndjson"),
    reason: eventText(500).optional().describe("why the export is made; recorded in the DATA_EXPORTED event"),
  })
  .meta({ id: "ExportQuery" });

