import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { buttonClass } from '@/components/ui/button';
import { Card, CardTitle } from '@/components/ui/card';
import { DomainNames } from '@/components/ui/domain-name';
import { PageHeader } from '@/components/ui/page-header';
import { getMyAccount } from '@/lib/dal/admins';
import { changeOwnPasswordAction } from '../actions';
import { PasswordForm } from './password-form';

export const metadata: Metadata = { title: 'My account' };

export default async function MyAccountPage() {
  const me = await getMyAccount();
  return (
    <>
      <PageHeader
        title="My account"
        description={
          <>
            Signed in as <strong>{me.email}</strong> —{' '}
            {me.role === 'GLOBAL' ? (
              'global admin'
            ) : (
              <>
                domain admin of <DomainNames names={me.domains} empty="no domains" />
              </>
            )}
            .
          </>
        }
      />
      {me.mustChangePassword ? (
        <Alert className="mb-4">
          Your password was generated when this account was made, so someone else has seen it: choose your own password below
          to use the rest of the panel. You then sign in again with the new one.
        </Alert>
      ) : null}
      {me.requireTotp && !me.totpEnabled ? (
        <Alert className="mb-4">
          The policy requires two-factor authentication for every admin. Set it up below to use the rest of the panel.
        </Alert>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardTitle>Password</CardTitle>
          <div className="mt-3">
            <PasswordForm action={changeOwnPasswordAction} rules={me.passwordRules} email={me.email} />
          </div>
        </Card>
        <Card className="h-fit space-y-3">
          <CardTitle>Two-factor authentication</CardTitle>
          <p className="text-sm">
            {me.totpEnabled ? (
              <Badge tone="ok">on</Badge>
            ) : (
              <Badge tone={me.requireTotp ? 'danger' : 'neutral'}>off</Badge>
            )}{' '}
            {me.totpEnabled
              ? 'Signing in asks for a code from your authenticator app (or a recovery code).'
              : me.requireTotp
                ? 'Required by the policy: set it up now.'
                : 'Protect this account with a code from an authenticator app (RFC 6238 TOTP) in addition to the password.'}
          </p>
          <Link href="/admins/me/totp" className={buttonClass(me.totpEnabled ? 'secondary' : 'primary')}>
            {me.totpEnabled ? 'Manage two-factor authentication' : 'Set up two-factor authentication'}
          </Link>
        </Card>
      </div>
    </>
  );
}
