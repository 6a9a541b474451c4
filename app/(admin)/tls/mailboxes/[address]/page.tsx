import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { DomainName } from '@/components/ui/domain-name';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getMailboxTls } from '@/lib/dal/tls';
import { BackLink } from '@/components/ui/back-link';

type Props = { params: Promise<{ address: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `TLS · ${decodeURIComponent((await params).address)}` };
}

function versionBadge(v: string | null) {
  if (v === null) return <Badge>not recorded</Badge>;
  if (v === 'none') return <Badge tone="danger">cleartext</Badge>;
  return <Badge tone={v === 'TLSv1.3' || v === 'TLSv1.2' ? 'ok' : 'warn'}>{v}</Badge>;
}

/** A mailbox's message list with each message's TLS, linking to the per-message hop chain. */
export default async function MailboxTlsPage({ params }: Props) {
  const address = decodeURIComponent((await params).address);
  const tls = await getMailboxTls(address);
  if (!tls) notFound();
  const { messages, logins } = tls;
  return (
    <>
      <BackLink href={`/mailboxes/${encodeURIComponent(address)}`}>
        <DomainName name={address} />
      </BackLink>
      <PageHeader title={<><DomainName name={address} />: TLS</>} description="Latest INBOX messages and how they travelled; the clients this mailbox signed in with." />
      <Card>
        <CardTitle>Messages</CardTitle>
        {messages.length === 0 ? (
          <p className="mt-2 text-sm text-muted">No messages.</p>
        ) : (
          <div className="mt-2">
            <Table data-testid="mailbox-messages">
              <thead>
                <tr>
                  <Th>Received</Th>
                  <Th>Subject</Th>
                  <Th>Our hop</Th>
                  <Th>Whole path</Th>
                </tr>
              </thead>
              <tbody>
                {messages.map((m) => (
                  <tr key={m.id}>
                    <Td className="whitespace-nowrap">{m.internalDate.slice(0, 16).replace('T', ' ')}</Td>
                    <Td>
                      <Link href={`/tls/messages/${m.id}`} className="text-accent hover:underline">
                        {m.subject || '(no subject)'}
                      </Link>
                    </Td>
                    <Td>{versionBadge(m.ourTlsVersion)}</Td>
                    <Td>
                      {m.pathTls === null ? (
                        <Badge>not recorded</Badge>
                      ) : m.pathTls ? (
                        <Badge tone="ok">TLS · weakest {m.pathWeakest}</Badge>
                      ) : (
                        <Badge tone="danger">{m.pathWeakest === 'none' ? 'a cleartext hop' : `weakest ${m.pathWeakest}`}</Badge>
                      )}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </div>
        )}
      </Card>
      <Card className="mt-4">
        <CardTitle>Client logins (IMAP, submission), last 30 days</CardTitle>
        {logins.length === 0 ? (
          <p className="mt-2 text-sm text-muted">No logins recorded.</p>
        ) : (
          <div className="mt-2">
            <Table data-testid="mailbox-logins">
              <thead>
                <tr>
                  <Th>Service</Th>
                  <Th>TLS</Th>
                  <Th>Cipher</Th>
                  <Th>Client IP</Th>
                  <Th className="text-right">Logins</Th>
                  <Th>Last</Th>
                </tr>
              </thead>
              <tbody>
                {logins.map((l) => (
                  <tr key={`${l.service}-${l.tlsVersion}-${l.cipher}-${l.clientIp}`}>
                    <Td>{l.service}</Td>
                    <Td>{versionBadge(l.tlsVersion)}</Td>
                    <Td className="font-mono text-xs">{l.cipher}</Td>
                    <Td>{l.clientIp}</Td>
                    <Td className="text-right tabular-nums">{l.logins}</Td>
                    <Td>{l.lastAt.slice(0, 16).replace('T', ' ')}</Td>
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
