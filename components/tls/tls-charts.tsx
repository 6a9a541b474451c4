'use client';

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { pct, ShareLineChart } from '@/components/ui/share-line-chart';
import { ChartTable } from '@/components/ui/chart-table';
import { useReducedMotion } from '@/components/ui/use-reduced-motion';

export interface SharePoint {
  day: string;
  messages: number;
  ourTls: number;
  pathTls: number;
}

/** Share of messages whose last hop / whole path was TLS, per day. */
export function ShareChart({ series }: { series: SharePoint[] }) {
  const data = series.map((p) => ({
    day: p.day.slice(5),
    'last hop TLS %': pct(p.ourTls, p.messages),
    'whole path TLS %': pct(p.pathTls, p.messages),
    messages: p.messages,
  }));
  return (
    <ShareLineChart
      data={data}
      lines={{ 'last hop TLS %': '#1d5fd1', 'whole path TLS %': '#067647' }}
      testId="share-chart"
      caption="Share over TLS per day"
      columns={[{ key: 'day', label: 'Day' }, { key: 'last hop TLS %', label: 'Last hop over TLS (%)' }, { key: 'whole path TLS %', label: 'Whole path over TLS (%)' }, { key: 'messages', label: 'Messages' }]}
    />
  );
}

const COLORS: Record<string, string> = {
  'TLSv1.3': '#067647',
  'TLSv1.2': '#1d5fd1',
  'TLSv1.1': '#9a6700',
  'TLSv1.0': '#c2410c',
  SSLv3: '#b42318',
  unknown: '#6b7280',
  none: '#b42318',
};

/** Messages per TLS version (our hop, or the weakest hop of the path). */
export function VersionBars({ rows, testId }: { rows: { label: string; messages: number }[]; testId: string }) {
  const still = useReducedMotion();
  const data = rows.map((r) => ({ ...r, fill: COLORS[r.label] ?? '#6b7280', label: r.label === 'none' ? 'cleartext' : r.label }));
  return (
    <>
    <ChartTable caption="Messages per TLS version" rows={data} columns={[{ key: 'label', label: 'TLS version' }, { key: 'messages', label: 'Messages' }]} />
    <div className="h-56" data-testid={testId} aria-hidden="true">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={44} />
          <Tooltip />
          <Bar dataKey="messages" isAnimationActive={!still} />
        </BarChart>
      </ResponsiveContainer>
    </div>
    </>
  );
}

/** Top ciphers of our hop. */
export function CipherBars({ rows }: { rows: { version: string; cipher: string; messages: number }[] }) {
  const still = useReducedMotion();
  const data = rows.slice(0, 10).map((r) => ({ name: r.cipher, messages: r.messages, fill: COLORS[r.version] ?? '#6b7280' }));
  return (
    <>
    <ChartTable caption="Messages per cipher (top ten)" rows={data} columns={[{ key: 'name', label: 'Cipher' }, { key: 'messages', label: 'Messages' }]} />
    <div style={{ height: Math.max(120, data.length * 28 + 40) }} data-testid="cipher-chart" aria-hidden="true">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart accessibilityLayer={false} data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="name" width={230} tick={{ fontSize: 10 }} />
          <Tooltip />
          <Bar dataKey="messages" isAnimationActive={!still} />
        </BarChart>
      </ResponsiveContainer>
    </div>
    </>
  );
}

const VERIFICATION_COLORS: Record<string, string> = {
  dane: '#067647',
  'mta-sts': '#0e7d5f',
  pkix: '#1d5fd1',
  unverified: '#9a6700',
  none: '#b42318',
};
const VERIFICATION_LABEL: Record<string, string> = {
  dane: 'DANE',
  'mta-sts': 'MTA-STS',
  pkix: 'public CA',
  unverified: 'TLS, unverified',
  none: 'cleartext',
};

/** Outbound deliveries per certificate verification (DANE, MTA-STS, public CA, unverified TLS, cleartext). */
export function VerificationBars({ rows }: { rows: { kind: string; attempts: number; sent: number }[] }) {
  const still = useReducedMotion();
  const data = rows.map((r) => ({ label: VERIFICATION_LABEL[r.kind] ?? r.kind, delivered: r.sent, attempts: r.attempts, fill: VERIFICATION_COLORS[r.kind] ?? '#6b7280' }));
  return (
    <>
    <ChartTable
      caption="Deliveries by certificate verification"
      rows={data}
      columns={[{ key: 'label', label: 'Verification' }, { key: 'delivered', label: 'Delivered' }, { key: 'attempts', label: 'Attempts' }]}
    />
    <div className="h-56" data-testid="outbound-verification-chart" aria-hidden="true">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={44} />
          <Tooltip />
          <Bar dataKey="delivered" isAnimationActive={!still} />
        </BarChart>
      </ResponsiveContainer>
    </div>
    </>
  );
}

/** Top destinations: deliveries stacked as verified TLS / unverified TLS / cleartext. */
export function DestinationBars({ rows }: { rows: { domain: string; sent: number; sentTls: number; sentVerified: number }[] }) {
  const still = useReducedMotion();
  const data = rows
    .filter((r) => r.sent > 0)
    .slice(0, 10)
    .map((r) => ({ name: r.domain, verified: r.sentVerified, 'TLS, unverified': r.sentTls - r.sentVerified, cleartext: r.sent - r.sentTls }));
  if (!data.length) return <p className="mt-2 text-sm text-muted">Nothing delivered in this range.</p>;
  return (
    <>
    <ChartTable
      caption="Top destinations"
      rows={data}
      columns={[{ key: 'name', label: 'Domain' }, { key: 'verified', label: 'Verified' }, { key: 'TLS, unverified', label: 'TLS, unverified' }, { key: 'cleartext', label: 'Cleartext' }]}
    />
    <div style={{ height: Math.max(120, data.length * 28 + 60) }} data-testid="outbound-domains-chart" aria-hidden="true">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart accessibilityLayer={false} data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="name" width={200} tick={{ fontSize: 10 }} />
          <Tooltip />
          <Legend />
          <Bar dataKey="verified" stackId="d" fill={VERIFICATION_COLORS.dane} isAnimationActive={!still} />
          <Bar dataKey="TLS, unverified" stackId="d" fill={VERIFICATION_COLORS.unverified} isAnimationActive={!still} />
          <Bar dataKey="cleartext" stackId="d" fill={VERIFICATION_COLORS.none} isAnimationActive={!still} />
        </BarChart>
      </ResponsiveContainer>
    </div>
    </>
  );
}
