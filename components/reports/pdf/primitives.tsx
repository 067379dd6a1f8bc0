import { Font, Line, Rect, StyleSheet, Svg, Text, View } from "@react-pdf/renderer";
import type { ComponentProps, ReactNode } from "react";
import { formatCount } from "@/lib/reports/format";

/**
 * Building blocks of Vigil's PDF reports: one look (type, colours, tables, bar charts drawn
 * as PDF vector shapes) for every report. Text uses the built-in Helvetica, which needs no
 * font file and no network but only has the Windows-1252 characters: pdfText maps the
 * rest.
 */

/** How the cover names who generated a report. */
export const AUTHOR_KIND = { api_key: "API key", user: "user", system: "scheduled" } as const;

// Words are never hyphenated: an e-mail address or a hash split by a "-" reads as another value.
Font.registerHyphenationCallback((word) => [word]);

export const colors = {
  ink: "#111827",
  muted: "#6b7280",
  line: "#e5e7eb",
  band: "#f3f4f6",
  accent: "#4f46e5",
  danger: "#b91c1c",
  ok: "#047857",
  warn: "#b45309",
};

export const styles = StyleSheet.create({
  page: { paddingTop: 48, paddingBottom: 56, paddingHorizontal: 44, fontFamily: "Helvetica", fontSize: 9.5, color: colors.ink },
  brand: { fontFamily: "Helvetica-Bold", fontSize: 11, color: colors.accent, letterSpacing: 1.5 },
  title: { fontFamily: "Helvetica-Bold", fontSize: 26, marginTop: 120 },
  subtitle: { fontSize: 14, color: colors.muted, marginTop: 6 },
  h2: { fontFamily: "Helvetica-Bold", fontSize: 14, marginBottom: 6, marginTop: 4 },
  h3: { fontFamily: "Helvetica-Bold", fontSize: 10.5, marginTop: 10, marginBottom: 4 },
  muted: { color: colors.muted },
  bold: { fontFamily: "Helvetica-Bold" },
  mono: { fontFamily: "Courier", fontSize: 7 },
  section: { marginBottom: 18 },
  paragraph: { marginBottom: 6 },
  metaRow: { flexDirection: "row", marginBottom: 3 },
  metaLabel: { width: 110, color: colors.muted },
  figures: { flexDirection: "row", marginTop: 10, marginBottom: 10 },
  figure: { flexGrow: 1, flexBasis: 0, borderWidth: 1, borderColor: colors.line, borderRadius: 3, padding: 8, marginRight: 8 },
  figureValue: { fontFamily: "Helvetica-Bold", fontSize: 18 },
  figureLabel: { color: colors.muted, fontSize: 8.5, marginTop: 2 },
  table: { borderTopWidth: 1, borderColor: colors.line, marginTop: 4 },
  tr: { flexDirection: "row", borderBottomWidth: 1, borderColor: colors.line, paddingVertical: 3 },
  th: { fontFamily: "Helvetica-Bold", fontSize: 8.5, color: colors.muted, paddingHorizontal: 4 },
  td: { fontSize: 8.5, paddingHorizontal: 4 },
  footer: { position: "absolute", bottom: 24, left: 44, right: 44, flexDirection: "row", justifyContent: "space-between", fontSize: 8, color: colors.muted },
});

const WIN_ANSI_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");
const REPLACEMENTS: Record<string, string> = { "→": "->", "←": "<-", "✓": "OK", "✗": "x", "≤": "<=", "≥": ">=", "−": "-", "\u00a0": " " };

/** Text the built-in fonts can draw: Windows-1252 kept, a few symbols spelled out, the rest "?". */
export function pdfText(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let out = "";
  for (const ch of String(value)) {
    const code = ch.codePointAt(0)!;
    if (REPLACEMENTS[ch] !== undefined) out += REPLACEMENTS[ch];
    else if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else if (ch === "\n" || ch === "\t") out += " ";
    else out += "?";
  }
  return out;
}

/** The style prop of a PDF text, without naming @react-pdf/types (not a direct dependency). */
type TextStyle = ComponentProps<typeof View>["style"];

export function T({ children, style }: { children: string | number | null | undefined; style?: TextStyle }) {
  return <Text style={style}>{pdfText(children)}</Text>;
}

export function Meta({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <View style={styles.metaRow}>
      <T style={styles.metaLabel}>{label}</T>
      <T style={mono ? [styles.mono, { flex: 1 }] : { flex: 1 }}>{value}</T>
    </View>
  );
}

export function Figure({ value, label, tone }: { value: string; label: string; tone?: keyof typeof colors }) {
  return (
    <View style={styles.figure}>
      <T style={tone ? [styles.figureValue, { color: colors[tone] }] : styles.figureValue}>{value}</T>
      <T style={styles.figureLabel}>{label}</T>
    </View>
  );
}

export interface Column<R> {
  title: string;
  /** Relative width. */
  width: number;
  align?: "left" | "right";
  cell: (row: R) => string;
  tone?: (row: R) => keyof typeof colors | undefined;
}

export function Table<R>({ columns, rows, empty }: { columns: Column<R>[]; rows: R[]; empty: string }) {
  if (rows.length === 0) return <T style={[styles.muted, { marginTop: 4 }]}>{empty}</T>;
  return (
    <View style={styles.table}>
      <View style={styles.tr} fixed>
        {columns.map((c) => (
          <T key={c.title} style={[styles.th, { flex: c.width, textAlign: c.align ?? "left" }]}>{c.title}</T>
        ))}
      </View>
      {rows.map((row, i) => (
        <View key={i} style={styles.tr} wrap={false}>
          {columns.map((c) => {
            const tone = c.tone?.(row);
            return (
              <T key={c.title} style={[styles.td, { flex: c.width, textAlign: c.align ?? "left" }, tone ? { color: colors[tone] } : {}]}>
                {c.cell(row)}
              </T>
            );
          })}
        </View>
      ))}
    </View>
  );
}

/** Vertical bars, one per day, drawn as PDF rectangles with a light grid and labelled axes. */
export function BarChart({ data, width = 507, height = 150, color = colors.accent }: { data: Array<{ label: string; value: number }>; width?: number; height?: number; color?: string }) {
  const left = 28;
  const bottom = 16;
  const plotW = width - left;
  const plotH = height - bottom - 6;
  const max = Math.max(1, ...data.map((d) => d.value));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const slot = plotW / Math.max(1, data.length);
  const barW = Math.max(1.5, slot * 0.7);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  const labelEvery = Math.max(1, Math.ceil(data.length / 10));
  const y = (v: number) => 6 + plotH - (v / top) * plotH;
  return (
    <View style={{ width, height, marginVertical: 6 }}>
      <Svg width={width} height={height}>
        {ticks.map((t) => (
          <Line key={t} x1={left} x2={width} y1={y(t)} y2={y(t)} strokeWidth={0.5} stroke={colors.line} />
        ))}
        {data.map((d, i) => (d.value > 0
          ? <Rect key={i} x={left + i * slot + (slot - barW) / 2} y={y(d.value)} width={barW} height={Math.max(0.5, plotH - (y(d.value) - 6))} fill={color} />
          : null))}
        <Line x1={left} x2={width} y1={y(0)} y2={y(0)} strokeWidth={0.8} stroke={colors.muted} />
      </Svg>
      {ticks.map((t) => (
        <Text key={t} style={{ position: "absolute", left: 0, width: left - 4, top: y(t) - 4, fontSize: 6.5, color: colors.muted, textAlign: "right" }}>{formatCount(t)}</Text>
      ))}
      {data.map((d, i) => (i % labelEvery === 0
        ? <Text key={i} style={{ position: "absolute", left: left + i * slot - 10, width: slot + 20, top: height - bottom + 3, fontSize: 6.5, color: colors.muted, textAlign: "center" }}>{pdfText(d.label)}</Text>
        : null))}
    </View>
  );
}

function niceStep(max: number): number {
  const raw = max / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return Math.max(1, m * pow);
  return Math.max(1, 10 * pow);
}

export function Footer({ left }: { left: string }) {
  return (
    <View style={styles.footer} fixed>
      <T>{left}</T>
      <Text render={({ pageNumber, totalPages }) => `Page ${pageNumber} of ${totalPages}`} />
    </View>
  );
}

export function Section({ title, children, breakBefore }: { title: string; children: ReactNode; breakBefore?: boolean }) {
  return (
    <View style={styles.section} break={breakBefore}>
      {/* A title never sits alone at the foot of a page. */}
      <Text style={styles.h2} minPresenceAhead={140}>{pdfText(title)}</Text>
      {children}
    </View>
  );
}
