import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { DomainNames, idnDisplay } from '@/components/ui/domain-name';
import { ButtonLink } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getCertificatesOverview, type CertificateSummary } from '@/lib/dal/certificates';
import { deleteAction, rotateAction } from './actions';
import { ActivateButton } from './forms';
import { ExpiryBadge } from './expiry-badge';

export const metadata: Metadata = { title: 'Certificates' };

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : '—');
const shortFp = (fp: string | null) => (fp ? `${fp.slice(0, 23)}…` : '—');

function statusBadge(c: CertificateSummary) {
  if (c.revoked) return <Badge tone="danger">revoked</Badge>;
  if (c.status === 'ACTIVE') return <Badge tone="ok">active</Badge>;
  if (c.status === 'RETIRED') return <Badge>retired</Badge>;
  if (c.awaitingCertificate) return <Badge tone="warn">awaiting certificate</Badge>;
  return <Badge>{c.status.toLowerCase()}</Badge>;
}

export default async function CertificatesPage() {
  const overview = await getCertificatesOverview();
  if (!overview.global) {
    return (
      <>
        <PageHeader title="Certificates" />
        <Card>
          <p className="text-sm">Server certificates and the internal CA are managed by global admins.</p>
          <p className="mt-2 text-sm">
            <Link className="text-accent hover:underline" href="/certificates/smime">S/MIME certificates for your mailboxes</Link>
          </p>
        </Card>
      </>
    );
  }
  const { certs, cas, status } = overview;
  return (
    <>
      <PageHeader
        title="Certificates"
        description="What the SMTP, submission and IMAP listeners serve. Activating one switches every running daemon within seconds, without a restart."
        actions={
          <div className="flex flex-wrap gap-2">
            {cas.length === 0 ? <ButtonLink href="/certificates/ca/new" variant="primary">Create CA</ButtonLink> : null}
            <ButtonLink href="/certificates/issue" variant={cas.length === 0 ? 'secondary' : 'primary'}>Issue from CA</ButtonLink>
            <ButtonLink href="/certificates/acme" variant="secondary">ACME</ButtonLink>
            <ButtonLink href="/certificates/csr" variant="secondary">CSR</ButtonLink>
            <ButtonLink href="/certificates/upload" variant="secondary">Upload</ButtonLink>
            <ButtonLink href="/certificates/smime" variant="secondary">S/MIME</ButtonLink>
          </div>
        }
      />

      <Table aria-label="Server certificates">
        <thead>
          <tr>
            <Th>Hosts</Th>
            <Th>Status</Th>
            <Th>Source</Th>
            <Th>Not after</Th>
            <Th>Days left</Th>
            <Th>SHA-256</Th>
            <Th className="text-right">Actions</Th>
          </tr>
        </thead>
        <tbody>
          {certs.length === 0 ? (
            <tr>
              <Td colSpan={7} className="py-8 text-center text-muted">No certificates yet.</Td>
            </tr>
          ) : (
            certs.map((c) => (
              <tr key={c.id} data-certificate={c.id} data-status={c.status}>
                <Td>
                  <Link className="font-medium text-accent hover:underline" href={`/certificates/${c.id}`}>
                    <DomainNames names={c.hosts} />
                  </Link>
                </Td>
                <Td>{statusBadge(c)}</Td>
                <Td className="text-xs">{c.source.replace('_', ' ').toLowerCase()}</Td>
                <Td className="tabular-nums">{day(c.notAfter)}</Td>
                <Td>{c.status === 'RETIRED' ? <span className="text-muted">Retired</span> : <ExpiryBadge expiry={c.expiry} />}</Td>
                <Td className="font-mono text-xs" title={c.fingerprintSha256 ?? ''}>{shortFp(c.fingerprintSha256)}</Td>
                <Td className="text-right">
                  {c.status === 'PENDING' && !c.awaitingCertificate && !c.revoked && c.expiry.level !== 'expired' ? <ActivateButton id={c.id} /> : null}
                  {c.status === 'ACTIVE' && cas.length > 0 ? (
                    <ConfirmDialog
                      id={`rotate-${c.id}`}
                      trigger="Rotate"
                      triggerVariant="secondary"
                      title={`Rotate the certificate for ${c.hosts.map((h) => idnDisplay(h).text).join(', ')}?`}
                      confirmLabel="Issue and activate"
                      action={rotateAction}
                      fields={{ id: c.id }}
                      body="The internal CA issues a new certificate for the same names and listeners, with the same key (published TLSA records stay right), and it is activated at once; this one is retired."
                    />
                  ) : null}
                  {c.status === 'RETIRED' ? (
                    <ConfirmDialog
                      id={`delete-${c.id}`}
                      trigger="Delete"
                      title={`Delete the retired certificate for ${c.hosts.map((h) => idnDisplay(h).text).join(', ')}?`}
                      confirmLabel="Delete"
                      action={deleteAction}
                      fields={{ id: c.id }}
                      body="Its certificate and sealed key are removed for good; the deletion is written to the audit log. A revoked serial stays in the CA's revocation list."
                    />
                  ) : null}
                </Td>
              </tr>
            ))
          )}
        </tbody>
      </Table>

      <h2 className="mb-3 mt-8 text-lg font-semibold">Served right now</h2>
      <Card data-testid="served-fingerprints">
        {status.daemons.length === 0 ? (
          <p className="text-sm text-muted">No daemon is reporting.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {status.daemons.map((d) => (
              <li key={d.instanceId}>
                <span className="font-medium">{d.instanceId}</span> serves <span className="font-mono text-xs">{d.tlsFingerprint ?? '—'}</span>{' '}
                {d.servesActive ? <Badge tone="ok">active certificate</Badge> : <Badge tone="warn">not an active certificate</Badge>}
              </li>
            ))}
          </ul>
        )}
        <p className="mt-3 text-xs text-muted">
          Monitoring: <a className="text-accent hover:underline" href="/api/certificates/status">/api/certificates/status</a> (JSON, 503 when critical),{' '}
          <a className="text-accent hover:underline" href="/api/certificates/status?format=prometheus">Prometheus</a>, or <code>postern cert check</code>.
        </p>
      </Card>

      <div className="mb-3 mt-8 flex items-center justify-between">
        <h2 className="text-lg font-semibold">Internal certificate authority</h2>
        {cas.length > 0 ? <ButtonLink href="/certificates/ca/new" variant="secondary" size="sm">Create CA</ButtonLink> : null}
      </div>
      <Table aria-label="Certificate authorities">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Role</Th>
            <Th>Key</Th>
            <Th>Not after</Th>
            <Th>Download</Th>
          </tr>
        </thead>
        <tbody>
          {cas.length === 0 ? (
            <tr>
              <Td colSpan={5} className="py-6 text-center text-muted">No CA yet. Create one to issue server and S/MIME certificates.</Td>
            </tr>
          ) : (
            cas.map((ca) => (
              <tr key={ca.id} data-ca={ca.id}>
                <Td className="font-medium">{ca.name}</Td>
                <Td className="text-xs">{ca.parentId ? 'intermediate' : 'root'} · path length {ca.pathLen}</Td>
                <Td className="text-xs">{ca.keyType} {ca.keySize}</Td>
                <Td className="tabular-nums">{day(ca.notAfter)}</Td>
                <Td className="space-x-3 text-sm">
                  <a className="text-accent hover:underline" href={`/ca/${ca.id}.pem`} download>PEM</a>
                  <a className="text-accent hover:underline" href={`/ca/${ca.id}.crt`} download>DER</a>
                  <a className="text-accent hover:underline" href={ca.crlUrl}>CRL</a>
                </Td>
              </tr>
            ))
          )}
        </tbody>
      </Table>
    </>
  );
}
