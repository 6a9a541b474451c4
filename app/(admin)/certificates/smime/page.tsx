import type { Metadata } from 'next';
import { Badge } from '@/components/ui/badge';
import { DomainName } from '@/components/ui/domain-name';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getSmimeCertificates } from '@/lib/dal/certificates';
import { revokeSmimeAction } from '../actions';
import { ExpiryBadge } from '../expiry-badge';
import { SmimeIssueForm } from '../forms';

export const metadata: Metadata = { title: 'S/MIME certificates' };

const day = (d: Date) => d.toISOString().slice(0, 10);

export default async function SmimePage({ searchParams }: { searchParams: Promise<{ address?: string }> }) {
  const { address } = await searchParams;
  const rows = await getSmimeCertificates(address);
  return (
    <>
      <PageHeader
        title="S/MIME certificates"
        description="Per mailbox, from the internal CA (RFC 8551): e-mail protection, the address as subject alternative name, signing and encryption. Download as a password-protected .p12 for Thunderbird, Outlook, Apple Mail."
      />
      <SmimeIssueForm />
      <div className="mt-6">
        <Table aria-label="S/MIME certificates">
          <thead>
            <tr>
              <Th>Address</Th>
              <Th>Not after</Th>
              <Th>Days left</Th>
              <Th>Status</Th>
              <Th>Download</Th>
              <Th className="text-right">Actions</Th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <Td colSpan={6} className="py-8 text-center text-muted">No S/MIME certificates{address ? <> for <DomainName name={address} /></> : null}.</Td>
              </tr>
            ) : (
              rows.map((r) => (
                <tr key={r.id} data-smime={r.id}>
                  <Td className="font-medium">
                    <DomainName name={r.address} />
                  </Td>
                  <Td className="tabular-nums">{day(r.notAfter)}</Td>
                  <Td><ExpiryBadge expiry={r.expiry} /></Td>
                  <Td>{r.revokedAt ? <Badge tone="danger">revoked</Badge> : <Badge tone="ok">valid</Badge>}</Td>
                  <Td>
                    {r.revokedAt ? null : (
                      // A plain form: the browser downloads the .p12 the route handler returns.
                      <form method="post" action={`/certificates/smime/${r.id}/p12`} className="flex flex-wrap items-center gap-2">
                        <label className="sr-only" htmlFor={`pw-${r.id}`}>Password for the .p12</label>
                        <input id={`pw-${r.id}`} name="password" type="password" minLength={8} required placeholder=".p12 password" autoComplete="new-password"
                          className="h-8 w-36 rounded-md border border-border bg-surface px-2 text-sm" />
                        <label className="inline-flex items-center gap-1 text-xs">
                          <input type="checkbox" name="legacy" /> legacy (3DES)
                        </label>
                        <button type="submit" className="h-8 rounded-md border border-border px-2 text-sm">.p12</button>
                      </form>
                    )}
                    <a className="text-xs text-accent hover:underline" href={`/certificates/smime/${r.id}/pem`} download>certificate only (PEM)</a>
                  </Td>
                  <Td className="text-right">
                    {r.revokedAt ? null : (
                      <ConfirmDialog
                        id={`revoke-${r.id}`}
                        trigger="Revoke"
                        title={`Revoke the certificate of ${r.address}?`}
                        confirmLabel="Revoke"
                        action={revokeSmimeAction}
                        fields={{ id: r.id, reason: '0' }}
                        body="Its serial is published in the CA's CRL; mail clients that check it will stop trusting signatures made with it."
                      />
                    )}
                  </Td>
                </tr>
              ))
            )}
          </tbody>
        </Table>
      </div>
      <Card className="mt-6">
        <p className="text-xs text-muted">
          The default .p12 uses AES-256-CBC with PBKDF2/SHA-256 (current Thunderbird, Outlook, macOS, Windows 10+). Tick “legacy” for older clients (3DES with SHA-1).
        </p>
      </Card>
    </>
  );
}
