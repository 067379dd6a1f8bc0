import { appendEvents, inAppendTransaction } from "@/lib/events/ingest";
import { toDraft, type EventDraft } from "@/lib/events/record";
import { mulberry32, Rng } from "@/lib/seed/random";
import { generatePeople, personas, type SeedPerson } from "@/lib/seed/people";
import { DAY, TimeStream } from "@/lib/seed/time-stream";
import { KINDS, type EventBody } from "@/lib/seed/event-kinds";


/**
 * The realistic audit-event generator behind `npx vigil seed --events N`, the demo
 * organization and the benchmarks.
 *
 * - Deterministic: one seed gives the same events (ids, received_at and the hashes aside,
 *   which the chain assigns). The PRNG is mulberry32 (random.ts).
 * - Streaming: events come out of a generator in occurred_at order, so seq follows time
 *   and 10M events never sit in memory at once. Times follow a working week in the given
 *   UTC offset (busy weekday office hours, quiet nights and weekends, slow growth over the
 *   period, busier and quieter days).
 * - Plausible: a CRM/help-desk product's trail — sign-ins from the documentation IP
 *   ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) with real
 *   browser user agents; contacts, deals and tickets created, updated (with before/after),
 *   viewed and deleted; settings, permission and integration changes; API calls and
 *   webhook deliveries; exports and report downloads. Mostly `success`, some `failed`
 *   and `pending`. Each event is the body of POST /api/v1/events and passes `toDraft`.
 *
 * 192.0.2.100 is never produced: the demo reserves it for its attacker.
 *
 * The parts: random.ts (the PRNG), people.ts (the org's people and their habits),
 * time-stream.ts (sorted times with a working week's rhythm), event-kinds.ts (what each kind
 * of event looks like, and how often), and here the generator and its insertion, through the
 * events layer's one append path (lib/events/ingest.ts appendEvents).
 */


export { mulberry32 } from "@/lib/seed/random";
export { generatePeople, personId, USER_AGENTS, type PersonRole, type SeedPerson } from "@/lib/seed/people";
export { categoryOf, type EventBody } from "@/lib/seed/event-kinds";

// ---------------------------------------------------------------------------------------
// The generator

export interface GenerateOptions {
  count: number;
  from: Date;
  to: Date;
  /** Same seed, same events. Default 1. */
  seed?: number;
  /** The actors; default generatePeople(100, seed). */
  people?: readonly SeedPerson[];
  /** Offset of the people's local time from UTC, for the daily rhythm (default 0). */
  utcOffsetMinutes?: number;
  /**
   * Events this returns true for are replaced by another one at the same time (so the
   * count stays exact): the demo keeps its last 30 days free of kinds it adds by hand.
   */
  exclude?: (event: EventBody) => boolean;
}

/** Streams `count` plausible event bodies between `from` and `to`, oldest first. */
export function* generateDrafts(opts: GenerateOptions): Generator<EventBody> {
  const seed = opts.seed ?? 1;
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  if (!(to >= from)) throw new Error("generateDrafts: `to` must not be before `from`");
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new Error("generateDrafts: `count` must be a whole number ≥ 0");
  if (opts.count === 0) return;
  const rng = new Rng(mulberry32(seed));
  const timeRand = mulberry32(seed ^ 0x9e3779b9);
  const people = personas(opts.people && opts.people.length > 0 ? opts.people : generatePeople(100, seed), rng);

  // Per kind, its eligible people as a cumulative weight table.
  const tables = KINDS.map((k) => {
    let eligible = k.roles ? people.filter((p) => k.roles!.includes(p.role)) : people;
    if (eligible.length === 0) eligible = people;
    const cum: number[] = [];
    let total = 0;
    for (const p of eligible) cum.push((total += p.weight));
    return { eligible, cum, total };
  });
  const kindTable = KINDS.map((k, i) => [i, k.weight] as const);

  const times = new TimeStream(from, to, opts.count, seed, opts.utcOffsetMinutes ?? 0);
  for (let n = 0; n < opts.count; n++) {
    const at = times.next(timeRand);
    const occurred_at = new Date(at).toISOString();
    let event: EventBody | undefined;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const k = rng.weighted(kindTable);
      const t = tables[k]!;
      const r = rng.next() * t.total;
      let lo = 0;
      let hi = t.cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t.cum[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      const person = t.eligible[lo]!;
      const candidate: EventBody = { action: KINDS[k]!.action, occurred_at, ...KINDS[k]!.build({ rng, at, person, people }) };
      if (!opts.exclude || !opts.exclude(candidate)) {
        event = candidate;
        break;
      }
    }
    if (!event) throw new Error("generateDrafts: `exclude` rejects every kind of event");
    yield event;
  }
}

// ---------------------------------------------------------------------------------------
// Fast insertion

export interface InsertOptions {
  /** Events per transaction (default 4000). */
  batchSize?: number;
  onProgress?: (inserted: number) => void;
}

/**
 * Appends event bodies to the org's chain in batches, one transaction each, with the
 * next batch prepared while the database writes the current one. Bodies must come in the
 * order they should take in the chain (oldest first, for a trail that reads naturally).
 * Throws on the first invalid body: a generator bug, not data to skip.
 */
export async function insertEventBodies(orgId: string, bodies: Iterable<EventBody>, opts: InsertOptions = {}): Promise<{ inserted: number; ms: number }> {
  const started = performance.now();
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 4000, 20_000));
  const iterator = bodies[Symbol.iterator]();
  let inserted = 0;
  let inFlight: Promise<void> | undefined;
  let done = false;
  const now = Date.now();

  const write = async (drafts: EventDraft[]): Promise<void> => {
    await inAppendTransaction(drafts.map((d) => d.occurred_at), (client) => appendEvents(client, orgId, drafts));
    inserted += drafts.length;
    opts.onProgress?.(inserted);
  };

  try {
    while (!done) {
      const drafts: EventDraft[] = [];
      while (drafts.length < batchSize) {
        const next = iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const r = toDraft(next.value, "api", now);
        if (!r.ok) {
          throw new Error(`seed: generated event ${inserted + drafts.length} is invalid: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`);
        }
        drafts.push(r.draft);
      }
      if (inFlight) await inFlight;
      inFlight = undefined;
      if (drafts.length === 0) break;
      inFlight = write(drafts);
      // Awaited on the next turn; this only keeps a failure from counting as unhandled meanwhile.
      inFlight.catch(() => {});
    }
    if (inFlight) await inFlight;
  } finally {
    if (inFlight) await inFlight.catch(() => {});
    iterator.return?.();
  }
  return { inserted, ms: Math.round(performance.now() - started) };
}

export interface SeedOptions extends InsertOptions {
  count: number;
  /** Default: a year before `to`. */
  from?: Date;
  /** Default: now. */
  to?: Date;
  seed?: number;
  people?: readonly SeedPerson[];
  utcOffsetMinutes?: number;
}

/**
 * Generates and appends `count` events to the org's chain: the engine of
 * `npx vigil seed --events N [--org SLUG]`. Streams: memory stays at about two batches
 * whatever the count.
 */
export async function seedEvents(orgId: string, opts: SeedOptions): Promise<{ inserted: number; ms: number }> {
  const to = opts.to ?? new Date();
  const from = opts.from ?? new Date(to.getTime() - 365 * DAY);
  if (to.getTime() > Date.now() + 60_000) throw new Error("seedEvents: `to` must not be in the future");
  return insertEventBodies(
    orgId,
    generateDrafts({ count: opts.count, from, to, seed: opts.seed, people: opts.people, utcOffsetMinutes: opts.utcOffsetMinutes }),
    { batchSize: opts.batchSize, onProgress: opts.onProgress },
  );
}
