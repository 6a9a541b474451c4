'use client';

import { pct, ShareLineChart } from '@/components/ui/share-line-chart';

export interface AuthSharePoint {
  day: string;
  checked: number;
  spfPass: number;
  dkimPass: number;
  dmarcPass: number;
}

const LINES = { 'SPF pass %': '#1d5fd1', 'DKIM pass %': '#067647', 'DMARC pass %': '#9a6700' };

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
    <ShareLineChart
      data={data}
      lines={LINES}
      testId="auth-share-chart"
      caption="Share of checked mail passing per day"
      columns={[{ key: 'day', label: 'Day' }, ...Object.keys(LINES).map((key) => ({ key, label: key })), { key: 'checked', label: 'Checked messages' }]}
    />
  );
}
