import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { DomainName, DomainNames } from '@/components/ui/domain-name';
import { Card } from '@/components/ui/card';
import { formatBytes } from '@/components/ui/format';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getQueuedMessageView, type AttemptView } from '@/lib/dal/queue';
import { NextAttempt, OutcomeBadge, Reply, Sender, StatusBadge, Time, utc } from '../status';
import { MessageActions } from './message-actions';
import { BackLink } from '@/components/ui/back-link';

type Props = { params: Promise<{ queueId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Queue · ${decodeURIComponent((await params).queueId)}` };
}

const VERIFICATION: Record<string, { label: string; tone: 'ok' | 'warn' | 'danger' | 'neutral' }> = {
  dane: { label: 'DANE', tone: 'ok' },
  'mta-sts': { label: 'MTA-STS', tone: 'ok' },
  pkix: { label: 'PKIX (CA-signed)', tone: 'ok' },
  unverified: { label: 'unverified', tone: 'warn' },
  none: { label: 'no TLS', tone: 'danger' },
};

function Tls({ a }: { a: AttemptView }) {
  const v = VERIFICATION[a.tlsVerification] ?? { label: a.tlsVerification, tone: 'neutral' as const };
  return (
    <div className="space-y-1">
      <div className="font-mono text-xs">{a.tlsVersion ? `${a.tlsVersion} ${a.tlsCipher ?? ''}` : 'cleartext'}</div>
      <div className="flex flex-wrap gap-1">
        <Badge tone={v.tone}>{v.label}</Badge>
        {a.mtaSts ? <Badge>MTA-STS {a.mtaSts}</Badge> : null}
      </div>
    </div>
  );
}

export default async function QueuedMessagePage({ params }: Props) {
  const queueId = decodeURIComponent((await params).queueId);
  const m = await getQueuedMessageView(queueId);
  if (!m) notFound();
  const now = new Date();
  const waiting = m.recipients.filter((r) => r.status === 'QUEUED' || r.status === 'DEFERRED').length;
  return (
    <>
      <BackLink href="/queue">Queue</BackLink>
      <PageHeader
        title={`Message ${m.queueId}`}
        description={
          <>
            {m.subject ? <span className="text-fg">{m.subject}</span> : 'No subject'} · from <Sender mailFrom={m.mailFrom} />
          </>
        }
        actions={<MessageActions queueId={m.queueId} waiting={waiting} mailFrom={m.mailFrom} />}
      />

      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="mb-2 text-base font-semibold">Envelope</h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Sender</dt>
            <dd>
              <Sender mailFrom={m.mailFrom} />
            </dd>
            <dt className="text-muted">Authenticated as</dt>
            <dd>{m.authUser ? <DomainName name={m.authUser} /> : <span className="text-muted">— (received from another server)</span>}</dd>
            <dt className="text-muted">Queued</dt>
            <dd>
              {utc(m.createdAt)} UTC (<Time at={m.createdAt} now={now} />)
            </dd>
            <dt className="text-muted">Size</dt>
            <dd>{m.size === null ? '—' : formatBytes(m.size)}</dd>
            <dt className="text-muted">Message-ID</dt>
            <dd className="break-all font-mono text-xs">{m.messageId ?? '—'}</dd>
          </dl>
        </Card>
        <Card>
          <h2 className="mb-2 text-base font-semibold">How we received it</h2>
          {m.receipt ? (
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="receipt">
              <dt className="text-muted">Received</dt>
              <dd>{utc(m.receipt.receivedAt)} UTC</dd>
              <dt className="text-muted">Listener</dt>
              <dd>
                {m.receipt.listener} · {m.receipt.protocol}
              </dd>
              <dt className="text-muted">Client</dt>
              <dd className="break-all">
                {m.receipt.clientIp}
                {m.receipt.clientName ? ` (${m.receipt.clientName})` : ''} · HELO {m.receipt.helo}
              </dd>
              <dt className="text-muted">TLS</dt>
              <dd className="font-mono text-xs">{m.receipt.tlsVersion ? `${m.receipt.tlsVersion} ${m.receipt.tlsCipher ?? ''}` : 'cleartext'}</dd>
              <dt className="text-muted">Envelope recipients</dt>
              <dd className="break-all">
                <DomainNames names={m.receipt.rcpts} />
              </dd>
            </dl>
          ) : (
            <p className="text-sm text-muted">No SMTP receipt: Postern wrote this message itself (a delivery status notice), or the receipt was cleaned up.</p>
          )}
          <p className="mt-3 text-sm">
            <Link className="text-accent hover:underline" href={`/deliveries?queueId=${encodeURIComponent(m.queueId)}`}>
              Trace it in the delivery log →
            </Link>
          </p>
        </Card>
      </div>

      <h2 className="mb-3 mt-8 text-lg font-semibold">Recipients</h2>
      <Table aria-label="Recipients">
        <thead>
          <tr>
            <Th>Recipient</Th>
            <Th>State</Th>
            <Th className="text-right">Attempts</Th>
            <Th>Next attempt</Th>
            <Th>Last reply</Th>
          </tr>
        </thead>
        <tbody>
          {m.recipients.map((r) => (
            <tr key={r.id} className="align-top" data-rcpt={r.rcpt}>
              <Td className="break-all">
                <DomainName name={r.rcpt} />
              </Td>
              <Td>
                <StatusBadge status={r.status} inFlight={r.inFlight} bounceRequested={r.bounceRequestedAt !== null} />
              </Td>
              <Td className="text-right tabular-nums">{r.attempts}</Td>
              <Td>
                {r.status === 'QUEUED' || r.status === 'DEFERRED' ? (
                  <NextAttempt at={r.nextAttemptAt} now={now} />
                ) : r.finishedAt ? (
                  <span className="text-muted">done {utc(r.finishedAt)}</span>
                ) : (
                  '—'
                )}
              </Td>
              <Td className="max-w-md">
                <Reply code={r.lastCode} text={r.lastReply} />
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>

      <h2 className="mb-3 mt-8 text-lg font-semibold">Delivery attempts</h2>
      {m.attemptLog.length === 0 ? (
        <p className="rounded-lg border border-border bg-surface p-6 text-center text-sm text-muted" data-testid="attempts-empty">
          No attempt yet. Each try to hand the message to a recipient’s mail server will appear here: when, which MX host and IP, how TLS was
          negotiated and verified, and what the server answered.
        </p>
      ) : (
        <Table aria-label="Delivery attempts">
          <thead>
            <tr>
              <Th>Time (UTC)</Th>
              <Th>Recipient</Th>
              <Th>MX host / IP</Th>
              <Th>TLS</Th>
              <Th>Outcome</Th>
              <Th>Reply</Th>
              <Th className="text-right">Duration</Th>
            </tr>
          </thead>
          <tbody>
            {m.attemptLog.map((a) => (
              <tr key={a.id} className="align-top" data-attempt-outcome={a.outcome}>
                <Td className="whitespace-nowrap font-mono text-xs">
                  <time dateTime={a.startedAt.toISOString()}>{utc(a.startedAt)}</time>
                </Td>
                <Td className="break-all">
                  <DomainName name={a.rcpt} />
                </Td>
                <Td className="text-xs">
                  <div className="break-all">{a.mxHost ?? '—'}</div>
                  <div className="font-mono text-muted">
                    {a.ip ?? ''}
                    {a.port ? `:${a.port}` : ''}
                  </div>
                </Td>
                <Td>
                  <Tls a={a} />
                </Td>
                <Td>
                  <OutcomeBadge outcome={a.outcome} />
                </Td>
                <Td className="max-w-sm">
                  <Reply code={a.code} text={!a.enhanced || a.reply.startsWith(a.enhanced) ? a.reply : `${a.enhanced} ${a.reply}`} />
                </Td>
                <Td className="whitespace-nowrap text-right tabular-nums">{a.durationMs.toLocaleString('en')} ms</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}

      <h2 className="mb-3 mt-8 text-lg font-semibold">Headers</h2>
      {m.headers.fields.length === 0 ? (
        <p className="text-sm text-muted">The stored message has no header fields.</p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-border bg-surface p-3">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 font-mono text-xs" aria-label="Message headers">
            {m.headers.fields.map((h, i) => (
              <div key={i} className="contents">
                <dt className="whitespace-nowrap font-semibold">{h.name}:</dt>
                <dd className="break-all">{h.value}</dd>
              </div>
            ))}
          </dl>
          {m.headers.truncated ? <p className="mt-2 text-xs text-muted">The header block is longer; only its start is shown.</p> : null}
        </div>
      )}
    </>
  );
}
