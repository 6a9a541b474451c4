'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface AuthSharePoint {
  day: string;
  checked: number;
  spfPass: number;
  dkimPass: number;
  dmarcPass: number;
}

const pct = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 10 : null);

/** Share of checked MX mail passing SPF, DKIM and DMARC, per day. */
export function AuthShareChart({ series }: { series: AuthSharePoint[] }) {
  const data = series.map((p) => ({
    day: p.day.slice(5),
    'SPF pass %': pct(p.spfPass, p.checked),
    'DKIM pass %': pct(p.dkimPass, p.checked),
    'DMARC pass %': pct(p.dmarcPass, p.checked),
    checked: p.checked,
  }));
  return (
    <div className="h-64" data-testid="auth-share-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} />
          <YAxis domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} width={44} />
          <Tooltip />
          <Legend />
          <Line type="monotone" dataKey="SPF pass %" stroke="#1d5fd1" strokeWidth={2} dot={{ r: 3 }} connectNulls />
          <Line type="monotone" dataKey="DKIM pass %" stroke="#067647" strokeWidth={2} dot={{ r: 3 }} connectNulls />
          <Line type="monotone" dataKey="DMARC pass %" stroke="#9a6700" strokeWidth={2} dot={{ r: 3 }} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
