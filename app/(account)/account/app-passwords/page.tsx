import type { Metadata } from 'next';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAccountAppPasswords, MAX_APP_PASSWORDS } from '@/lib/dal/account';
import { CreateAppPasswordForm, RevokeAppPasswordForm } from './forms';

export const metadata: Metadata = { title: 'App passwords' };

const when = (d: Date | null) => (d ? `${d.toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'never');

export default async function AppPasswordsPage() {
  const { rows, required } = await getAccountAppPasswords();
  return (
    <>
      <PageHeader
        title="App passwords"
        description={`One password per device or mail client, for IMAP, SMTP and POP3 (not for this page). Revoke one and only that device is signed out. At most ${MAX_APP_PASSWORDS}.`}
      />
      {required ? (
        <p className="mb-4 text-sm" data-testid="app-passwords-required">
          Your administrator requires app passwords: mail clients do not accept your mailbox password.
        </p>
      ) : null}
      <div className="space-y-6">
        <Card>
          <CardTitle>New app password</CardTitle>
          <div className="mt-3">
            <CreateAppPasswordForm />
          </div>
        </Card>
        <Card>
          <CardTitle>Your app passwords</CardTitle>
          {rows.length ? (
            <Table className="mt-2" aria-label="App passwords">
              <thead>
                <tr>
                  <Th>Device</Th>
                  <Th>Created</Th>
                  <Th>Last used</Th>
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <Td>{r.name}</Td>
                    <Td>{when(r.createdAt)}</Td>
                    <Td>{when(r.lastUsedAt)}</Td>
                    <Td>
                      <RevokeAppPasswordForm id={r.id} name={r.name} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          ) : (
            <p className="mt-2 text-sm text-muted">None yet.</p>
          )}
        </Card>
      </div>
    </>
  );
}
