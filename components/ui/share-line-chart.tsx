'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartTable } from './chart-table';
import { useReducedMotion } from './use-reduced-motion';

/** a/b as a percentage with one decimal; null (a gap in the line) on a day with nothing to count. */
export const pct = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 10 : null);

/**
 * Per-day shares (0–100 %) as lines: one line per key of `lines` (its colour as value). Values show
 * on hover; screen readers get the same rows as a table (`caption`, `columns`) and not the drawing;
 * the lines are drawn without animation when the system asks for less motion.
 */
export function ShareLineChart({ data, lines, testId, caption, columns }: { data: Record<string, string | number | null>[]; lines: Record<string, string>; testId: string; caption: string; columns: { key: string; label: string }[] }) {
  const still = useReducedMotion();
  return (
    <>
      <div className="h-64" data-testid={testId} aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
            <XAxis dataKey="day" tick={{ fontSize: 11 }} />
            <YAxis domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} width={44} />
            <Tooltip />
            <Legend />
            {Object.entries(lines).map(([key, color]) => (
              <Line key={key} type="monotone" dataKey={key} stroke={color} strokeWidth={2} dot={{ r: 3 }} connectNulls isAnimationActive={!still} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartTable caption={caption} rows={data} columns={columns} />
    </>
  );
}
