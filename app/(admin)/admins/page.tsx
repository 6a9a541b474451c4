import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { buttonClass } from '@/components/ui/button';
import { Card, CardTitle } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DomainNames } from '@/components/ui/domain-name';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAdminsOverview } from '@/lib/dal/admins';
import { addAdminAction, removeAdminAction, resetAdminPasswordAction, updateAdminAction } from './actions';
import { AdminForm } from './admin-form';
import { EditAdminForm } from './edit-admin-form';
import { ResetPasswordForm } from './reset-password-form';

export const metadata: Metadata = { title: 'Admins' };

export default async function AdminsPage() {
  // Domain admins manage no admins: getAdminsOverview sends them to their own account.
  const { selfId, admins, domains, passwordRules, requireTotp } = await getAdminsOverview();

  return (
    <>
      <PageHeader
        title="Admins"
        description="Who may use this panel. Global admins manage everything; domain admins only the mailboxes and aliases of their domains."
        actions={
          <Link href="/admins/me" className={buttonClass('secondary', 'sm')}>
            My account
          </Link>
        }
      />
      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <Table aria-label="Admins">
          <thead>
            <tr>
              <Th>Email</Th>
              <Th>Role</Th>
              <Th>Second factor</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {admins.map((a) => {
              const self = a.id === selfId;
              return (
                <tr key={a.id} data-admin={a.email} className="align-top">
                  <Td className="break-all">
                    {a.email}
                    {self ? <span className="ml-2 text-xs text-muted">(you)</span> : null}
                  </Td>
                  <Td>
                    {a.role === 'GLOBAL' ? (
                      <Badge tone="ok">global</Badge>
                    ) : (
                      <>
                        <Badge>domain</Badge>
                        <span className="mt-1 block text-xs text-muted"><DomainNames names={a.domains} empty="no domains" /></span>
                      </>
                    )}
                    {!self ? (
                      <details className="mt-1">
                        <summary className="cursor-pointer text-xs text-muted">Change role or domains</summary>
                        <EditAdminForm action={updateAdminAction} email={a.email} role={a.role} domains={domains} chosen={a.domains} />
                      </details>
                    ) : null}
                    {!self ? (
                      <details className="mt-1">
                        <summary className="cursor-pointer text-xs text-muted">Forgot their password?</summary>
                        <ResetPasswordForm action={resetAdminPasswordAction} email={a.email} />
                      </details>
                    ) : null}
                  </Td>
                  <Td>{a.totpEnabled ? <Badge tone="ok">TOTP on</Badge> : <Badge tone={requireTotp ? 'danger' : 'neutral'}>none</Badge>}</Td>
                  <Td className="text-right">
                    {self ? null : (
                      <ConfirmDialog
                        id={`remove-${a.id}`}
                        trigger="Remove"
                        title={`Remove the admin ${a.email}?`}
                        body={
                          <>
                            <strong>{a.email}</strong> will no longer be able to sign in; an open session ends at its next request. Their mailboxes, if any, are
                            not affected.
                          </>
                        }
                        confirmLabel="Remove admin"
                        action={removeAdminAction}
                        fields={{ email: a.email }}
                      />
                    )}
                  </Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
        <Card className="h-fit">
          <CardTitle>New admin</CardTitle>
          <div className="mt-3">
            <AdminForm action={addAdminAction} domains={domains} rules={passwordRules} />
          </div>
        </Card>
      </div>
    </>
  );
}
