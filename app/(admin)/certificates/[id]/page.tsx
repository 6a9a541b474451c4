import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { BackLink } from '@/components/ui/back-link';
import { DomainNames } from '@/components/ui/domain-name';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { PageHeader } from '@/components/ui/page-header';
import { getCertificateDetail } from '@/lib/dal/certificates';
import { revokeAction } from '../actions';
import { ExpiryBadge } from '../expiry-badge';
import { ActivateButton } from '../forms';

export const metadata: Metadata = { title: 'Certificate' };

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt className="text-muted">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

export default async function CertificatePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const cert = await getCertificateDetail(id);
  if (!cert) notFound();
  const view = cert.view;
  return (
    <>
      <BackLink href="/certificates">Certificates</BackLink>
      <PageHeader
        title={<DomainNames names={cert.hosts} />}
        description={`${cert.source.replace('_', ' ').toLowerCase()} · ${cert.status.toLowerCase()}${cert.revoked ? ' · revoked' : ''}`}
        actions={
          <>
            {cert.status === 'PENDING' && view && !cert.revoked && cert.expiry.level !== 'expired' ? <ActivateButton id={cert.id} /> : null}
            {view ? <a className="text-sm text-accent hover:underline" href={`/certificates/${cert.id}/pem`} download>Download PEM (chain)</a> : null}
            {cert.hasCsr ? <a className="text-sm text-accent hover:underline" href={`/certificates/${cert.id}/pem?kind=csr`} download>Download CSR</a> : null}
            {view && cert.source === 'INTERNAL_CA' && !cert.revoked ? (
              <ConfirmDialog
                id="revoke"
                trigger="Revoke"
                title="Revoke this certificate?"
                confirmLabel="Revoke"
                action={revokeAction}
                fields={{ id: cert.id, reason: '0' }}
                body="Its serial is added to the CA's CRL. If it is active, it is retired and the daemons switch to another certificate."
              />
            ) : null}
          </>
        }
      />
      {!view ? (
        <Card>
          <p className="text-sm">This request is waiting for its signed certificate. Import it on the CSR page.</p>
        </Card>
      ) : (
        <div className="grid gap-6">
          <Card data-testid="certificate-view">
            <CardTitle>Certificate</CardTitle>
            <dl className="mt-3 grid grid-cols-[12rem_1fr] gap-x-4 gap-y-1 text-sm">
              <Row label="Version">{view.version}</Row>
              <Row label="Serial number"><span className="font-mono text-xs">{view.serial}</span></Row>
              <Row label="Signature algorithm">{view.signatureAlgorithm}</Row>
              <Row label="Issuer">{view.issuer}</Row>
              <Row label="Not before">{view.notBefore.toUTCString()}</Row>
              <Row label="Not after">
                {view.notAfter.toUTCString()} {cert.status === 'RETIRED' ? <Badge>retired</Badge> : <ExpiryBadge expiry={cert.expiry} />}
              </Row>
              <Row label="Subject">{view.subject}</Row>
              <Row label="Public key">{view.publicKey}</Row>
              <Row label="SHA-256 fingerprint"><span className="font-mono text-xs">{view.fingerprintSha256}</span></Row>
            </dl>
            <h3 className="mt-4 text-sm font-semibold">X509v3 extensions</h3>
            <dl className="mt-2 grid grid-cols-[12rem_1fr] gap-x-4 gap-y-1 text-sm">
              {view.extensions.map((e, i) => (
                <Row key={`${e.name}-${i}`} label={e.name}>
                  {e.critical ? <Badge tone="warn">critical</Badge> : null} {e.values.join(', ')}
                </Row>
              ))}
            </dl>
          </Card>
          <Card>
            <CardTitle>As text</CardTitle>
            <pre className="mt-3 overflow-x-auto text-xs" data-testid="certificate-text">{view.text}</pre>
          </Card>
        </div>
      )}
    </>
  );
}
