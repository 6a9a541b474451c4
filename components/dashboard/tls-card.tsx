import Link from 'next/link';
import { Card, CardTitle } from '@/components/ui/card';
import { getTlsWeek } from '@/lib/dal/tls';
import { formatShare } from '@/components/ui/format';

/** Dashboard card: last 7 days, share of messages whose last hop / whole path was TLS. */
export async function TlsCard() {
  const o = await getTlsWeek();
  const weak = o.weakDomains.length;
  return (
    <Card data-testid="tls-card">
      <div className="flex items-center justify-between gap-2">
        <CardTitle>TLS · last 7 days</CardTitle>
        <Link href="/tls" className="text-sm text-accent underline underline-offset-2 hover:no-underline">
          Details
        </Link>
      </div>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">{o.perMessage ? 'Messages' : 'Deliveries'}</dt>
        <dd className="tabular-nums">{o.totals.messages.toLocaleString('en')}</dd>
        <dt className="text-muted">Last hop over TLS</dt>
        <dd className="tabular-nums" data-testid="tls-card-last-hop">{formatShare(o.totals.ourTls, o.totals.messages)}</dd>
        <dt className="text-muted">Whole path over TLS</dt>
        <dd className="tabular-nums" data-testid="tls-card-whole-path">{formatShare(o.totals.pathTls, o.totals.messages)}</dd>
        <dt className="text-muted">Senders without TLS / below 1.2</dt>
        <dd className="tabular-nums">{weak}</dd>
      </dl>
    </Card>
  );
}
