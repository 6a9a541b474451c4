import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAccountSmime } from '@/lib/dal/account';

export const metadata: Metadata = { title: 'S/MIME' };

export default async function SmimePage() {
  const certs = await getAccountSmime();
  return (
    <>
      <PageHeader
        title="S/MIME certificate"
        description="Your certificate and its key as a .p12 file for your mail client, protected by a password you choose here (at least 8 characters). Your administrator issues the certificate."
      />
      <Card>
        {certs.length ? (
          <Table aria-label="S/MIME certificates">
            <thead>
              <tr>
                <Th>Valid until</Th>
                <Th>Fingerprint (SHA-256)</Th>
                <Th>Download</Th>
              </tr>
            </thead>
            <tbody>
              {certs.map((c) => (
                <tr key={c.id}>
                  <Td>{c.notAfter.toISOString().slice(0, 10)}</Td>
                  <Td className="max-w-xs truncate font-mono text-xs">{c.fingerprintSha256}</Td>
                  <Td>
                    {/* A plain form: the browser downloads the .p12 the route handler returns. */}
                    <form method="post" action={`/account/smime/${c.id}/p12`} className="flex flex-wrap items-center gap-2">
                      <label className="sr-only" htmlFor={`pw-${c.id}`}>
                        Password for the .p12
                      </label>
                      <input id={`pw-${c.id}`} name="password" type="password" minLength={8} required placeholder=".p12 password" autoComplete="new-password"
                        className="h-8 rounded-md border border-border bg-surface px-2 text-sm" />
                      <label className="flex items-center gap-1 text-xs">
                        <input type="checkbox" name="legacy" /> legacy
                      </label>
                      <button type="submit" className="h-8 rounded-md border border-border px-2 text-sm">
                        Download .p12
                      </button>
                    </form>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : (
          <p className="text-sm text-muted">You have no S/MIME certificate. Ask your administrator to issue one.</p>
        )}
      </Card>
    </>
  );
}
