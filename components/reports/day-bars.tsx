"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Counts by day as bars: the page's twin of the PDF's vector chart. */
export function DayBars({ data, label, color = "#4f46e5", testId }: { data: Array<{ day: string; count: number }>; label: string; color?: string; testId?: string }) {
  return (
    <div className="h-56 w-full" data-testid={testId} aria-label={`${label} by day`} role="img">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.1} />
          <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} tick={{ fontSize: 11 }} minTickGap={12} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(value) => [value, label]} labelFormatter={(d) => String(d)} />
          <Bar dataKey="count" fill={color} radius={[2, 2, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Events of the period by category, as horizontal bars. */
export function CategoryBars({ data }: { data: Array<{ category: string; count: number }> }) {
  return (
    <div className="h-48 w-full" role="img" aria-label="Events by category">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 24 }}>
          <CartesianGrid horizontal={false} stroke="currentColor" strokeOpacity={0.1} />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="category" tick={{ fontSize: 11 }} width={90} />
          <Tooltip />
          <Bar dataKey="count" fill="#64748b" radius={[0, 2, 2, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
