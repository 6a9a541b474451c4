import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getAccountPasswordRules } from '@/lib/dal/account';
import { PasswordForm } from './password-form';

export const metadata: Metadata = { title: 'Password' };

export default async function AccountPasswordPage() {
  const { address, rules } = await getAccountPasswordRules();
  return (
    <>
      <PageHeader
        title="Password"
        description="The password of your mailbox. Mail clients signed in with the old one are signed out; app passwords keep working."
      />
      <Card>
        <PasswordForm rules={rules} address={address} />
      </Card>
    </>
  );
}
