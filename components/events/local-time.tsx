import { formatInZone, formatUtc, zoneName } from "@/lib/console/time";

/** A time in the viewer's zone; the UTC instant on hover (and for screen readers, the ISO value). */
export function LocalTime({ iso, timeZone, showZone = false }: { iso: string; timeZone: string; showZone?: boolean }) {
  return (
    <time dateTime={iso} title={formatUtc(iso)} className="tabular-nums">
      {formatInZone(iso, timeZone)}
      {showZone && <span className="ml-1 text-slate-400">{zoneName(iso, timeZone)}</span>}
    </time>
  );
}
