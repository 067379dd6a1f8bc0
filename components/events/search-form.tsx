"use client";

import { useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { emptyFilter, type EventFilter } from "@/lib/events/filter";
import { CATEGORIES, STATUSES } from "@/lib/events/catalog";
import {
  CATEGORY_LABELS, controlErrors, emptyControls, parseQueryBar, queryBarText, searchUrlParams, type PeriodChoice, type SearchControls,
} from "@/lib/console/search-form";
import { fromLocalInput, toLocalInput } from "@/lib/console/time";
import { Button, buttonClass } from "@/components/ui/button";
import { Field, Input, Select, inputClass } from "@/components/ui/field";
import { cx } from "@/components/ui/cx";

const PERIOD_LABELS: Record<PeriodChoice, string> = {
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  any: "Any time",
  custom: "Custom range",
};

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/**
 * The filter controls and the query bar, kept in sync: a control rewrites the query, and a
 * query that reads correctly moves its terms into the controls. Submitting puts the search
 * in the URL, where the server runs it and explains anything invalid beside its field.
 */
export function SearchForm({
  initialControls,
  initialExtras,
  initialQuery,
  serverErrors,
}: {
  initialControls: SearchControls;
  initialExtras: EventFilter;
  initialQuery: string;
  serverErrors: Record<string, string>;
}) {
  const router = useRouter();
  const [controls, setControls] = useState(initialControls);
  const [extras, setExtras] = useState(initialExtras);
  const [query, setQuery] = useState(initialQuery);
  const [queryError, setQueryError] = useState<string | undefined>(undefined);
  const [server, setServer] = useState(serverErrors);
  const [submitted, setSubmitted] = useState(false);
  const local = useMemo(() => controlErrors(controls), [controls]);

  const errors: Record<string, string | undefined> = { ...server, ...(submitted ? local : {}) };
  if (queryError) errors.q = queryError;

  function update(patch: Partial<SearchControls>) {
    const next = { ...controls, ...patch };
    setControls(next);
    setServer((s) => {
      const copy = { ...s };
      for (const key of Object.keys(patch)) delete copy[key];
      delete copy.q;
      return copy;
    });
    setQuery(queryBarText(next, extras));
    setQueryError(undefined);
  }

  function typeQuery(text: string) {
    setQuery(text);
    const tz = browserZone();
    const parsed = parseQueryBar(text, controls, (d) => toLocalInput(d, tz));
    if (parsed.ok) {
      setControls(parsed.controls);
      setExtras(parsed.extras);
      setQueryError(undefined);
      setServer({});
    } else {
      setQueryError(parsed.errors.map((e) => (e.path.startsWith("q.") ? `${e.path.slice(2)}: ` : "") + e.message).join("; "));
    }
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    const tz = browserZone();
    const toIso = (v: string) => fromLocalInput(v, tz)?.toISOString() ?? v;
    const params = searchUrlParams(controls, queryError ? query : extras, toIso);
    router.push(`/events?${params.toString()}`);
  }

  function toggle(field: "category" | "status", value: string) {
    const current = controls[field];
    update({ [field]: current.includes(value) ? current.filter((v) => v !== value) : [...current, value] });
  }

  return (
    <form onSubmit={submit} role="search" aria-label="Search events" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div>
        <label htmlFor="q" className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
          Query
        </label>
        <div className="flex gap-2">
          <input
            id="q"
            name="q"
            value={query}
            onChange={(e) => typeQuery(e.target.value)}
            placeholder='actor:john@company.com action:CONTACT_* ip:203.0.113.0/24 -status:success "free text"'
            spellCheck={false}
            autoComplete="off"
            aria-invalid={errors.q ? true : undefined}
            aria-describedby="q-help"
            className={cx(inputClass(Boolean(errors.q)), "font-mono text-[13px]")}
          />
          <Button type="submit" data-testid="search-submit">Search</Button>
        </div>
        <p id="q-help" className={cx("mt-1 min-h-4 text-xs", errors.q ? "text-red-600 dark:text-red-400" : "text-slate-500")} data-testid="q-error">
          {errors.q ?? "Qualifiers actor: action: category: status: ip: created: text:, a leading - negates, quotes for phrases. The controls below edit the same query."}
        </p>
      </div>

      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
        <Field id="period" label="Period" error={errors.period}>
          <Select id="period" value={controls.period} onChange={(e) => update({ period: e.target.value as PeriodChoice })}>
            {(Object.keys(PERIOD_LABELS) as PeriodChoice[]).map((p) => (
              <option key={p} value={p}>{PERIOD_LABELS[p]}</option>
            ))}
          </Select>
        </Field>
        {controls.period === "custom" && (
          <>
            <Field id="from" label="From" error={errors.from}>
              <Input id="from" type="datetime-local" value={controls.from} invalid={Boolean(errors.from)} onChange={(e) => update({ from: e.target.value })} />
            </Field>
            <Field id="to" label="To" error={errors.to}>
              <Input id="to" type="datetime-local" value={controls.to} invalid={Boolean(errors.to)} onChange={(e) => update({ to: e.target.value })} />
            </Field>
          </>
        )}
        <Field id="actor" label="User" error={errors.actor}>
          <Input id="actor" value={controls.actor} invalid={Boolean(errors.actor)} placeholder="email or actor id" onChange={(e) => update({ actor: e.target.value })} />
        </Field>
        <Field id="action" label="Action" error={errors.action}>
          <Input id="action" value={controls.action} invalid={Boolean(errors.action)} placeholder="CONTACT_*" className="font-mono text-[13px]" onChange={(e) => update({ action: e.target.value })} />
        </Field>
        <Field id="ip" label="IP address or CIDR" error={errors.ip}>
          <Input id="ip" value={controls.ip} invalid={Boolean(errors.ip)} placeholder="203.0.113.0/24" className="font-mono text-[13px]" onChange={(e) => update({ ip: e.target.value })} />
        </Field>
        <Field id="text" label="Free text" error={errors.text}>
          <Input id="text" value={controls.text} invalid={Boolean(errors.text)} placeholder="John Silva" onChange={(e) => update({ text: e.target.value })} />
        </Field>
      </div>

      <div className="flex flex-wrap items-start gap-x-8 gap-y-3">
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">Action type</legend>
          <div className="flex flex-wrap gap-1.5">
            {CATEGORIES.map((c) => (
              <Chip key={c} checked={controls.category.includes(c)} onChange={() => toggle("category", c)} label={CATEGORY_LABELS[c]} name={`category-${c}`} />
            ))}
          </div>
          {errors.category && <p className="mt-1 text-xs text-red-600">{errors.category}</p>}
        </fieldset>
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">Status</legend>
          <div className="flex flex-wrap gap-1.5">
            {STATUSES.map((s) => (
              <Chip key={s} checked={controls.status.includes(s)} onChange={() => toggle("status", s)} label={s[0]!.toUpperCase() + s.slice(1)} name={`status-${s}`} />
            ))}
          </div>
          {errors.status && <p className="mt-1 text-xs text-red-600">{errors.status}</p>}
        </fieldset>
        <div className="ml-auto self-end">
          <button
            type="button"
            className={buttonClass("ghost", "sm")}
            onClick={() => {
              const cleared = emptyControls(controls.period === "custom" ? "7d" : controls.period);
              setControls(cleared);
              setExtras(emptyFilter());
              setQuery("");
              setQueryError(undefined);
              setServer({});
            }}
          >
            Clear filters
          </button>
        </div>
      </div>
    </form>
  );
}

function Chip({ checked, onChange, label, name }: { checked: boolean; onChange: () => void; label: string; name: string }) {
  return (
    <label
      className={cx(
        "inline-flex cursor-pointer items-center rounded-full border px-2.5 py-1 text-xs font-medium select-none has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-500",
        checked
          ? "border-indigo-300 bg-indigo-50 text-indigo-700 dark:border-indigo-800 dark:bg-indigo-950 dark:text-indigo-300"
          : "border-slate-300 text-slate-600 hover:bg-slate-50 dark:border-slate-700 dark:text-slate-400 dark:hover:bg-slate-800",
      )}
    >
      <input type="checkbox" className="sr-only" name={name} checked={checked} onChange={onChange} />
      {checked && <span aria-hidden className="mr-1">✓</span>}
      {label}
    </label>
  );
}
