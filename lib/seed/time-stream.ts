import { mulberry32, Rng } from "@/lib/seed/random";

// ---------------------------------------------------------------------------------------
// Time: sorted times with a working week's rhythm, streamed

/** Relative activity per local hour on a weekday. */
const HOURLY = [0.04, 0.03, 0.03, 0.03, 0.04, 0.08, 0.18, 0.4, 0.85, 1, 1, 0.95, 0.7, 0.85, 1, 1, 0.95, 0.85, 0.6, 0.35, 0.25, 0.2, 0.12, 0.07];
const WEEKEND = 0.16;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
const MAX_BUCKETS = 200_000;

/**
 * Yields `count` times in [from, to], ascending. Sorted uniforms come from the
 * order-statistics recurrence u_k = 1 − (1 − u_{k−1})·V^(1/remaining), one at a time, and
 * are mapped through the inverse CDF of an hourly activity curve (a monotone map, so the
 * order survives). Memory is the curve's buckets, not the events.
 */
export class TimeStream {
  private readonly bucketMs: number;
  private readonly cum: Float64Array;
  private cur = 0;
  private remaining: number;
  private bucket = 0;

  constructor(private readonly from: number, private readonly to: number, count: number, seed: number, utcOffsetMinutes: number) {
    const span = Math.max(1, to - from);
    this.bucketMs = Math.max(HOUR, Math.ceil(span / MAX_BUCKETS));
    const n = Math.max(1, Math.ceil(span / this.bucketMs));
    this.cum = new Float64Array(n + 1);
    const rng = new Rng(mulberry32(seed ^ 0x7173));
    const dayFactor = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const start = from + i * this.bucketMs;
      const local = new Date(start + utcOffsetMinutes * 60_000);
      const day = Math.floor((start + utcOffsetMinutes * 60_000) / DAY);
      let f = dayFactor.get(day);
      if (f === undefined) {
        f = rng.chance(0.04) ? 1.8 : 0.75 + rng.next() * 0.5;
        dayFactor.set(day, f);
        if (dayFactor.size > 4) dayFactor.delete(dayFactor.keys().next().value!);
      }
      const dow = local.getUTCDay();
      const covered = Math.min(this.bucketMs, to - start) / this.bucketMs;
      const growth = 0.55 + 0.45 * (i / n);
      const w = (this.bucketMs > HOUR ? 0.5 : HOURLY[local.getUTCHours()]!) * (dow === 0 || dow === 6 ? WEEKEND : 1) * growth * f * Math.max(0, covered);
      this.cum[i + 1] = this.cum[i]! + w;
    }
    this.remaining = count;
  }

  next(rand: () => number): number {
    const v = 1 - rand(); // (0, 1]
    this.cur = 1 - (1 - this.cur) * Math.pow(v, 1 / this.remaining);
    this.remaining--;
    const n = this.cum.length - 1;
    const target = this.cur * this.cum[n]!;
    while (this.bucket < n - 1 && this.cum[this.bucket + 1]! < target) this.bucket++;
    const lo = this.cum[this.bucket]!;
    const hi = this.cum[this.bucket + 1]!;
    const frac = hi > lo ? Math.min(1, Math.max(0, (target - lo) / (hi - lo))) : 0;
    return Math.min(this.to, Math.floor(this.from + (this.bucket + frac) * this.bucketMs));
  }
}
