import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { Table, Td, Th } from '@/components/ui/table';
import { getPolicyImpact, type ImpactChange } from '@/lib/dal/tls';

/**
 * Policy impact preview (server component): who, in the last 30 days of recorded data, a stricter TLS
 * policy would have refused. For the policies page: <PolicyImpactPreview change={{ requireTlsMx: true }} />.
 */
export async function PolicyImpactPreview({ change, days = 30 }: { change: ImpactChange; days?: number }) {
  const impact = await getPolicyImpact(change, days);
  const nothing = !impact.requireTlsMx && !impact.minTlsVersion && !impact.cleartextAuth;
  return (
    <div className="space-y-4" data-testid="policy-impact">
      {nothing ? <p className="text-sm text-muted">Choose a stricter setting to see who it would refuse.</p> : null}
      {impact.requireTlsMx ? (
        <Card>
          <CardTitle>Require TLS on the MX port</CardTitle>
          <p className="mt-1 text-sm">
            {impact.requireTlsMx.senders.length === 0 ? (
              <Badge tone="ok">nobody refused</Badge>
            ) : (
              <>
                <Badge tone="danger">{impact.requireTlsMx.messages} messages</Badge> since {impact.since} came in cleartext and would have been
                refused (530 5.7.0):
              </>
            )}
          </p>
          <SenderTable rows={impact.requireTlsMx.senders} testId="impact-mx" />
        </Card>
      ) : null}
      {impact.minTlsVersion ? (
        <Card>
          <CardTitle>Minimum TLS version {impact.minTlsVersion.version}</CardTitle>
          <p className="mt-1 text-xs text-muted">
            Handshakes below the minimum fail. MX senders usually retry in cleartext unless TLS is required; submission and IMAP clients are
            refused.
          </p>
          <SenderTable rows={impact.minTlsVersion.inbound} testId="impact-min-inbound" />
          <SubmitterTable rows={impact.minTlsVersion.submission} testId="impact-min-submission" />
          <LoginTable rows={impact.minTlsVersion.logins} testId="impact-min-logins" />
        </Card>
      ) : null}
      {impact.cleartextAuth ? (
        <Card>
          <CardTitle>No authentication without TLS</CardTitle>
          <SubmitterTable rows={impact.cleartextAuth.submission} testId="impact-clear-submission" />
          <LoginTable rows={impact.cleartextAuth.logins} testId="impact-clear-logins" />
        </Card>
      ) : null}
    </div>
  );
}

interface RefusedRow {
  clientIp: string;
  tlsVersion: string;
  messages: number;
}

/** Messages that would have been refused, grouped by who sent them (a sending domain or a mailbox). */
function RefusedTable<R extends RefusedRow>({ rows, testId, whoLabel, who, empty }: { rows: R[]; testId: string; whoLabel: string; who: (r: R) => string; empty: string }) {
  if (rows.length === 0) return <p className="mt-2 text-sm text-muted">{empty}</p>;
  return (
    <div className="mt-2">
      <Table data-testid={testId}>
        <thead>
          <tr>
            <Th>{whoLabel}</Th>
            <Th>Client IP</Th>
            <Th>TLS</Th>
            <Th className="text-right">Messages</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${who(r)}-${r.clientIp}-${r.tlsVersion}`}>
              <Td>{who(r)}</Td>
              <Td>{r.clientIp}</Td>
              <Td>{r.tlsVersion === 'none' ? 'cleartext' : r.tlsVersion}</Td>
              <Td className="text-right tabular-nums">{r.messages}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

function SenderTable({ rows, testId }: { rows: (RefusedRow & { senderDomain: string })[]; testId: string }) {
  return <RefusedTable rows={rows} testId={testId} whoLabel="Sending domain" who={(r) => r.senderDomain || '(null sender)'} empty="No sending host affected." />;
}

function SubmitterTable({ rows, testId }: { rows: (RefusedRow & { address: string })[]; testId: string }) {
  return <RefusedTable rows={rows} testId={testId} whoLabel="Mailbox (submission)" who={(r) => r.address} empty="No submission affected." />;
}

function LoginTable({
  rows,
  testId,
}: {
  rows: { address: string; service: string; tlsVersion: string; cipher: string; clientIp: string; logins: number; lastAt: string }[];
  testId: string;
}) {
  if (rows.length === 0) return <p className="mt-2 text-sm text-muted">No login affected.</p>;
  return (
    <div className="mt-2">
      <Table data-testid={testId}>
        <thead>
          <tr>
            <Th>Mailbox</Th>
            <Th>Service</Th>
            <Th>TLS</Th>
            <Th>Cipher</Th>
            <Th>Client IP</Th>
            <Th className="text-right">Logins</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.address}-${r.service}-${r.tlsVersion}-${r.cipher}-${r.clientIp}`}>
              <Td>{r.address}</Td>
              <Td>{r.service}</Td>
              <Td>{r.tlsVersion === 'none' ? 'cleartext' : r.tlsVersion}</Td>
              <Td className="font-mono text-xs">{r.cipher}</Td>
              <Td>{r.clientIp}</Td>
              <Td className="text-right tabular-nums">{r.logins}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
