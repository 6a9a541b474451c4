// Over 300 lines: the TLS page draws its sections (inbound, clients, outbound) from one data load.
import type { Metadata } from 'next';
import Link from 'next/link';
import { CipherBars, DestinationBars, ShareChart, VerificationBars, VersionBars } from '@/components/tls/tls-charts';
import { PeriodField, PeriodFilters, periodControl } from '@/components/tls/period-filters';
import { Alert } from '@/components/ui/alert';
import { DomainName } from '@/components/ui/domain-name';
import { Badge } from '@/components/ui/badge';
import { buttonClass } from '@/components/ui/button';
import { Card, CardTitle, Stat } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getTlsOverview, type OutboundDomainRow, type OutboundOverview, type RecentMessageRow } from '@/lib/dal/tls';
import { firstParam } from '@/lib/forms/search-params';
import { formatShare } from '@/components/ui/format';

export const metadata: Metadata = { title: 'TLS' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function TlsPage({ searchParams }: Props) {
  const sp = await searchParams;
  const input = { from: firstParam(sp.from), to: firstParam(sp.to), domain: firstParam(sp.domain), mailbox: firstParam(sp.mailbox), direction: firstParam(sp.direction) };
  // A sending domain or client IP picked in a table narrows the message list below.
  const narrow = { sender: firstParam(sp.sender) || null, ip: firstParam(sp.ip) || null };
  const { overview: o, values, clients, outbound, messages, error } = await getTlsOverview(input, narrow);
  const qs = new URLSearchParams(Object.entries(values).filter(([, v]) => v)).toString();
  const filterHref = (change: { sender?: string; ip?: string }) => `/tls?${new URLSearchParams({ ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)), ...change })}#messages`;
  const unit = (n: number) => (o.perMessage ? (n === 1 ? 'message' : 'messages') : n === 1 ? 'delivery' : 'deliveries');

  return (
    <>
      <PageHeader
        title="TLS"
        description="How mail reached us, hop by hop: our own hop is fact (from the SMTP session); hops below it are what the Received headers claim."
        actions={
          <>
            <Link href={`/tls/authentication?${new URLSearchParams({ from: values.from, to: values.to })}`} className={buttonClass('secondary', 'sm')}>
              Authentication
            </Link>
            <Link href="/tls/analyze" className={buttonClass('secondary', 'sm')}>
              Header analyzer
            </Link>
            <Link href="/tls/impact" className={buttonClass('secondary', 'sm')}>
              Policy impact
            </Link>
            <Link href="/tls/reports" className={buttonClass('secondary', 'sm')}>
              Reports received
            </Link>
            <a href={`/api/tls/export?${qs}`} className={buttonClass('secondary', 'sm')} data-testid="csv-export">
              CSV
            </a>
            <a href={`/api/tls/stats?${qs}`} className={buttonClass('secondary', 'sm')}>
              JSON
            </a>
          </>
        }
      />
      <PeriodFilters from={values.from} to={values.to} testId="tls-filters">
        <PeriodField label="Domain">
          <input name="domain" defaultValue={values.domain} placeholder="all" className={periodControl} />
        </PeriodField>
        <PeriodField label="Mailbox">
          <input name="mailbox" defaultValue={values.mailbox} placeholder="all" className={periodControl} />
        </PeriodField>
        <PeriodField label="Direction">
          <select name="direction" defaultValue={values.direction} className={periodControl}>
            <option value="">all</option>
            <option value="inbound">inbound (MX)</option>
            <option value="submission">submission</option>
          </select>
        </PeriodField>
      </PeriodFilters>
      {error ? (
        <div className="mb-4">
          <Alert tone="danger">{error}</Alert>
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        <Stat label={o.perMessage ? 'Messages' : 'Deliveries'} value={o.totals.messages.toLocaleString('en')} hint={`${values.from} – ${values.to}`} />
        <Stat label="Last hop (ours) over TLS" value={<span data-testid="share-last-hop">{formatShare(o.totals.ourTls, o.totals.messages)}</span>} hint={`${o.totals.ourTls.toLocaleString('en')} ${unit(o.totals.ourTls)}`} />
        <Stat label="Whole path over TLS" value={<span data-testid="share-whole-path">{formatShare(o.totals.pathTls, o.totals.messages)}</span>} hint="every hop, as far as the headers tell" />
      </div>

      <Card className="mt-4">
        <CardTitle>Share over TLS per day</CardTitle>
        <ShareChart series={o.series} />
      </Card>

      <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Our hop: TLS versions</CardTitle>
          <VersionBars testId="versions-chart" rows={o.versions.map((v) => ({ label: v.version, messages: v.messages }))} />
        </Card>
        <Card>
          <CardTitle>Whole path: weakest hop</CardTitle>
          <VersionBars testId="weakest-chart" rows={o.pathWeakest.map((v) => ({ label: v.weakest, messages: v.messages }))} />
        </Card>
      </div>

      <Card className="mt-4">
        <CardTitle>Our hop: ciphers</CardTitle>
        {o.ciphers.length ? <CipherBars rows={o.ciphers} /> : <p className="mt-2 text-sm text-muted">No TLS sessions in this range.</p>}
      </Card>

      <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Sending domains without TLS or below TLS 1.2</CardTitle>
          <WeakTable
            rows={o.weakDomains.map((d) => ({ key: d.senderDomain || '(null sender)', href: d.senderDomain ? filterHref({ sender: d.senderDomain }) : undefined, ...d }))}
            head="Domain"
            testId="weak-domains"
          />
        </Card>
        <Card>
          <CardTitle>Sending IPs without TLS or below TLS 1.2</CardTitle>
          <WeakTable rows={o.weakIps.map((d) => ({ key: d.clientIp, href: filterHref({ ip: d.clientIp }), ...d }))} head="IP" testId="weak-ips" />
        </Card>
      </div>

      <MessagesCard rows={messages} narrow={narrow} clearHref={`/tls?${qs}#messages`} filterHref={filterHref} />

      {outbound ? <OutboundSection o={outbound} period={`${values.from} – ${values.to}`} /> : null}

      <Card className="mt-4">
        <CardTitle>Clients on old TLS or cleartext (IMAP and submission logins, last 30 days)</CardTitle>
        {clients.length === 0 ? (
          <p className="mt-2 text-sm text-muted">Every recorded login used TLS 1.2 or newer.</p>
        ) : (
          <div className="mt-2">
            <Table data-testid="weak-clients">
              <thead>
                <tr>
                  <Th>Mailbox</Th>
                  <Th>Service</Th>
                  <Th>TLS</Th>
                  <Th>Cipher</Th>
                  <Th>Client IP</Th>
                  <Th className="text-right">Logins</Th>
                  <Th>Last</Th>
                </tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <tr key={`${c.mailboxId}-${c.service}-${c.tlsVersion}-${c.cipher}-${c.clientIp}`}>
                    <Td>
                      <Link href={`/tls/mailboxes/${encodeURIComponent(c.address)}`} className="text-accent hover:underline">
                        <DomainName name={c.address} />
                      </Link>
                    </Td>
                    <Td>{c.service}</Td>
                    <Td>{c.tlsVersion === 'none' ? <Badge tone="danger">cleartext</Badge> : <Badge tone="warn">{c.tlsVersion}</Badge>}</Td>
                    <Td className="font-mono text-xs">{c.cipher}</Td>
                    <Td>{c.clientIp}</Td>
                    <Td className="text-right tabular-nums">{c.logins}</Td>
                    <Td>{c.lastAt.slice(0, 16).replace('T', ' ')}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </div>
        )}
      </Card>
    </>
  );
}

function WeakTable({
  rows,
  head,
  testId,
}: {
  rows: { key: string; href?: string; messages: number; cleartext: number; belowTls12: number }[];
  head: string;
  testId: string;
}) {
  if (rows.length === 0) return <p className="mt-2 text-sm text-muted">None: every sender used TLS 1.2 or newer on our hop.</p>;
  return (
    <div className="mt-2">
      <Table data-testid={testId}>
        <thead>
          <tr>
            <Th>{head}</Th>
            <Th className="text-right">Cleartext</Th>
            <Th className="text-right">&lt; TLS 1.2</Th>
            <Th className="text-right">Total</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <Td className="break-all">
                {r.href ? (
                  <Link href={r.href} className="text-accent hover:underline" title={`Messages from ${r.key}`}>
                    {r.key}
                  </Link>
                ) : (
                  r.key
                )}
              </Td>
              <Td className="text-right tabular-nums">{r.cleartext}</Td>
              <Td className="text-right tabular-nums">{r.belowTls12}</Td>
              <Td className="text-right tabular-nums">{r.messages}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

const tlsBadge = (v: string) =>
  v === 'none' ? <Badge tone="danger">cleartext</Badge> : <Badge tone={v === 'TLSv1.3' || v === 'TLSv1.2' ? 'ok' : 'warn'}>{v}</Badge>;

/** The newest messages of the period, each linking to its hop path; domains and IPs narrow the list. */
function MessagesCard({
  rows,
  narrow,
  clearHref,
  filterHref,
}: {
  rows: RecentMessageRow[];
  narrow: { sender: string | null; ip: string | null };
  clearHref: string;
  filterHref: (change: { sender?: string; ip?: string }) => string;
}) {
  return (
    <Card className="mt-4" id="messages" aria-labelledby="messages-title">
      <CardTitle>
        <span id="messages-title">
          Messages{narrow.sender ? <> from <DomainName name={narrow.sender} /></> : null}
          {narrow.ip ? ` from ${narrow.ip}` : ''}
        </span>
      </CardTitle>
      <p className="mt-1 text-xs text-muted">
        The newest 50 of the period. Open one to see each hop it took; pick a sending domain or an IP to see only its messages.{' '}
        {narrow.sender || narrow.ip ? (
          <Link href={clearHref} className="text-accent hover:underline">
            Show all messages
          </Link>
        ) : null}
      </p>
      {rows.length === 0 ? (
        <p className="mt-2 text-sm text-muted">No messages in this range.</p>
      ) : (
        <div className="mt-2">
          <Table data-testid="tls-messages">
            <thead>
              <tr>
                <Th>Received</Th>
                <Th>Mailbox</Th>
                <Th>Sending domain</Th>
                <Th>Client IP</Th>
                <Th>Our hop</Th>
                <Th>Weakest hop</Th>
                <Th>
                  <span className="sr-only">Hop path</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.id} data-message={m.id}>
                  <Td className="whitespace-nowrap tabular-nums">{m.receivedAt.slice(0, 16).replace('T', ' ')}</Td>
                  <Td className="whitespace-nowrap">
                    <DomainName name={m.mailbox} />
                  </Td>
                  <Td className="whitespace-nowrap">
                    {m.senderDomain ? (
                      <Link href={filterHref({ sender: m.senderDomain })} className="text-accent hover:underline">
                        <DomainName name={m.senderDomain} />
                      </Link>
                    ) : (
                      <span className="text-muted">(null sender)</span>
                    )}
                  </Td>
                  <Td className="whitespace-nowrap font-mono text-xs">
                    <Link href={filterHref({ ip: m.clientIp })} className="text-accent hover:underline">
                      {m.clientIp}
                    </Link>
                  </Td>
                  <Td>{tlsBadge(m.ourTlsVersion)}</Td>
                  <Td>{tlsBadge(m.pathWeakest)}</Td>
                  <Td className="whitespace-nowrap text-right">
                    <Link href={`/tls/messages/${m.id}`} className="text-accent hover:underline">
                      Hop path →
                    </Link>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </div>
      )}
    </Card>
  );
}

/** Our own deliveries to other servers (outbound_attempts): server-wide, so global admins only. */
function OutboundSection({ o, period }: { o: OutboundOverview; period: string }) {
  const t = o.totals;
  return (
    <section className="mt-8" aria-labelledby="outbound-heading" data-testid="outbound">
      <h2 id="outbound-heading" className="text-lg font-semibold">
        Outbound
      </h2>
      <p className="mb-3 text-sm text-muted">
        Our deliveries to other servers, per recipient and attempt: TLS as negotiated, and how the certificate was checked (DANE, MTA-STS or a public CA). The domain
        and direction filters do not apply here; the period does.
      </p>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Attempts" value={<span data-testid="outbound-attempts">{t.attempts.toLocaleString('en')}</span>} hint={period} />
        <Stat
          label="Messages sent"
          value={<span data-testid="outbound-messages">{t.messages.toLocaleString('en')}</span>}
          hint={`${t.sent.toLocaleString('en')} ${t.sent === 1 ? 'recipient' : 'recipients'} delivered`}
        />
        <Stat label="Delivered over TLS" value={<span data-testid="outbound-share-tls">{formatShare(t.sentTls, t.sent)}</span>} hint={`${t.sentTls.toLocaleString('en')} of ${t.sent.toLocaleString('en')}`} />
        <Stat
          label="With a verified certificate"
          value={<span data-testid="outbound-share-verified">{formatShare(t.sentVerified, t.sent)}</span>}
          hint="DANE, MTA-STS or a public CA"
        />
      </div>
      <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Deliveries by certificate verification</CardTitle>
          <VerificationBars rows={o.verification} />
        </Card>
        <Card>
          <CardTitle>Top destinations</CardTitle>
          <DestinationBars rows={o.domains} />
        </Card>
      </div>
      <Card className="mt-4">
        <CardTitle>Destinations</CardTitle>
        {o.domains.length === 0 ? <p className="mt-2 text-sm text-muted">No delivery attempts in this range.</p> : <DestinationTable rows={o.domains} testId="outbound-domains" />}
      </Card>
      <Card className="mt-4">
        <CardTitle>Reached only in cleartext</CardTitle>
        {o.cleartextOnly.length === 0 ? (
          <p className="mt-2 text-sm text-muted">None: every destination that answered us offered TLS.</p>
        ) : (
          <>
            <p className="mt-1 text-xs text-muted">
              These servers answered but never negotiated TLS in this range; a &quot;require TLS&quot; rule for them would defer their mail.
            </p>
            <DestinationTable rows={o.cleartextOnly} testId="outbound-cleartext" />
          </>
        )}
      </Card>
    </section>
  );
}

function DestinationTable({ rows, testId }: { rows: OutboundDomainRow[]; testId: string }) {
  return (
    <div className="mt-2">
      <Table data-testid={testId}>
        <thead>
          <tr>
            <Th>Domain</Th>
            <Th className="text-right">Sent</Th>
            <Th className="text-right">Attempts</Th>
            <Th className="text-right">TLS</Th>
            <Th className="text-right">Verified</Th>
            <Th>Last TLS</Th>
            <Th>Last attempt</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.domain} data-domain={r.domain}>
              <Td className="break-all">
                <DomainName name={r.domain} />
              </Td>
              <Td className="text-right tabular-nums">{r.sent}</Td>
              <Td className="text-right tabular-nums">{r.attempts}</Td>
              <Td className="text-right tabular-nums">{formatShare(r.sentTls, r.sent)}</Td>
              <Td className="text-right tabular-nums">{formatShare(r.sentVerified, r.sent)}</Td>
              <Td>
                {r.lastTlsVersion === null ? (
                  <span className="text-muted">not reached</span>
                ) : r.lastTlsVersion === 'none' ? (
                  <Badge tone="danger">cleartext</Badge>
                ) : (
                  <Badge tone={r.lastTlsVersion === 'TLSv1.3' || r.lastTlsVersion === 'TLSv1.2' ? 'ok' : 'warn'}>{r.lastTlsVersion}</Badge>
                )}
              </Td>
              <Td>{r.lastAt.slice(0, 16).replace('T', ' ')}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
