import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { AuthResultsField, ResultBadge } from '@/components/auth/auth-results';
import { DomainName } from '@/components/ui/domain-name';
import { HopPath, pathHopOf, type PathHop } from '@/components/tls/hop-path';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getMessageHops, type MessageAuthentication } from '@/lib/dal/tls';
import { BackLink } from '@/components/ui/back-link';

export const metadata: Metadata = { title: 'Message hop chain' };

type Props = { params: Promise<{ id: string }> };

export default async function MessageHopsPage({ params }: Props) {
  const { id } = await params;
  const found = await getMessageHops(id);
  if (!found) notFound();
  const { chain, auth } = found;

  const hops: PathHop[] = [];
  if (chain.our) {
    const o = chain.our;
    hops.push({
      // The client as our SMTP session saw it (address, HELO, reverse name), not what the top header claims.
      from: [o.helo, o.clientName ? `(${o.clientName})` : null, `[${o.clientIp}]`].filter(Boolean).join(' '),
      fromHosts: [o.helo, o.clientName, o.clientIp].filter((v): v is string => Boolean(v)),
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
      <BackLink href={`/tls/mailboxes/${encodeURIComponent(chain.mailbox)}`}>
        <DomainName name={chain.mailbox} />
      </BackLink>
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
      <ArrivalChecks auth={auth} />
    </>
  );
}

/** What our server checked when the message arrived (smtp_receipts): authentication, disposition, rspamd. */
function ArrivalChecks({ auth }: { auth: MessageAuthentication | null }) {
  if (!auth) {
    return (
      <Card className="mt-4" data-testid="arrival-checks">
        <CardTitle>Checks on arrival</CardTitle>
        <p className="mt-2 text-sm text-muted">No SMTP receipt for this message (stored by IMAP APPEND or an import).</p>
      </Card>
    );
  }
  return (
    <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
      <Card data-testid="arrival-checks">
        <CardTitle>Authentication on arrival</CardTitle>
        <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
          <ResultBadge method="spf" result={auth.spf} />
          <ResultBadge method="dkim" result={auth.dkim} />
          <ResultBadge method="dmarc" result={auth.dmarc} />
          <ResultBadge method="arc" result={auth.arc} />
          {auth.fromDomain ? <span className="text-muted">
              From domain <DomainName name={auth.fromDomain} />
            </span> : null}
        </p>
        {auth.parsed ? (
          <div className="mt-3">
            <AuthResultsField field={auth.parsed} label="Our Authentication-Results" />
          </div>
        ) : (
          <p className="mt-2 text-sm text-muted">
            {auth.listener === 'mx' ? 'Not checked: authentication checks were off for this message.' : `Not checked: a ${auth.listener} message (our own users' mail is not checked).`}
          </p>
        )}
        {auth.header ? (
          <details className="mt-3 text-xs">
            <summary className="cursor-pointer text-muted">The header as written</summary>
            <pre className="mt-2 max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-surface-2 p-2" data-testid="auth-results-raw">
              {auth.header}
            </pre>
          </details>
        ) : null}
      </Card>
      <Card data-testid="disposition">
        <CardTitle>Where it went</CardTitle>
        <p className="mt-2 text-sm">
          {auth.disposition === 'junk' ? <Badge tone="warn">Junk</Badge> : <Badge tone="ok">Inbox</Badge>}
          {auth.dispositionReason ? <code className="ml-2 text-xs">{auth.dispositionReason}</code> : null}
        </p>
        {auth.spam ? (
          <div className="mt-3 text-sm" data-testid="spam-verdict">
            <p>
              rspamd: <strong>{auth.spam.action}</strong>
              {auth.spam.score !== null ? <span className="tabular-nums"> · score {auth.spam.score.toFixed(2)}</span> : null}
            </p>
            {auth.spam.symbols.length ? (
              <ul className="mt-2 space-y-0.5 text-xs">
                {auth.spam.symbols.map((s) => (
                  <li key={s.name} className="flex gap-2">
                    <code>{s.name}</code>
                    <span className="tabular-nums text-muted">{s.score.toFixed(2)}</span>
                    {s.description ? <span className="text-muted">{s.description}</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : (
          <p className="mt-2 text-xs text-muted">No rspamd verdict (rspamd not configured, or the message was not scanned).</p>
        )}
      </Card>
    </div>
  );
}
