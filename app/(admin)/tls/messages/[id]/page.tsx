import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { HopPath, pathHopOf, type PathHop } from '@/components/tls/hop-path';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { messageHopChain } from '@/lib/tls-stats/panel';

export const metadata: Metadata = { title: 'Message hop chain' };

type Props = { params: Promise<{ id: string }> };

export default async function MessageHopsPage({ params }: Props) {
  const admin = await requireAdmin();
  const { id } = await params;
  const chain = await messageHopChain(db(), admin, id);
  if (!chain) notFound();

  const hops: PathHop[] = [];
  if (chain.our) {
    const o = chain.our;
    hops.push({
      from: [o.helo, o.clientName ? `(${o.clientName})` : null, `[${o.clientIp}]`].filter(Boolean).join(' '),
      by: 'this server',
      protocol: o.protocol,
      date: chain.receivedAt,
      tls: { used: o.tlsVersion !== 'none', version: o.tlsVersion === 'none' || o.tlsVersion === 'unknown' ? null : o.tlsVersion, cipher: o.cipher, bits: o.bits },
      fact: true,
    });
  }
  hops.push(...chain.claimed.map((h) => pathHopOf(h)));

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/tls/mailboxes/${encodeURIComponent(chain.mailbox)}`} className="text-accent hover:underline">
          ← {chain.mailbox}
        </Link>
      </p>
      <PageHeader
        title={chain.subject || '(no subject)'}
        description={
          <>
            {chain.our ? (
              <>
                Whole path: {chain.pathTls ? <Badge tone="ok">TLS on every hop</Badge> : <Badge tone="danger">not all TLS</Badge>} · weakest:{' '}
                <Badge tone={chain.pathWeakest === 'TLSv1.3' || chain.pathWeakest === 'TLSv1.2' ? 'ok' : 'warn'}>
                  {chain.pathWeakest === 'none' ? 'cleartext' : chain.pathWeakest}
                </Badge>
              </>
            ) : (
              'Stored without an SMTP session (IMAP APPEND or import): every hop below is claimed.'
            )}
          </>
        }
      />
      <Card>
        <CardTitle>Hop chain, oldest first</CardTitle>
        <p className="mt-1 text-xs text-muted">
          Our own hop is fact, from the SMTP session ({chain.our?.mode ?? 'cleartext'}
          {chain.our?.sni ? `, SNI ${chain.our.sni}` : ''}). The hops below it come from Received headers that the sender&apos;s servers wrote and
          anyone could have forged: they are labelled claimed.
        </p>
        <div className="mt-3">
          <HopPath hops={hops} />
        </div>
      </Card>
    </>
  );
}
