import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/lib/dal/db';
import { requireMailUser } from '@/lib/dal/mail-user';
import { getEffectivePolicy } from '@/lib/policy';
import { PasswordForm } from './password-form';

export const metadata: Metadata = { title: 'Password' };

export default async function AccountPasswordPage() {
  const user = await requireMailUser();
  const policy = await getEffectivePolicy(db(), user.domainId);
  return (
    <>
      <PageHeader
        title="Password"
        description="The password of your mailbox. Mail clients signed in with the old one are signed out; app passwords keep working."
      />
      <Card>
        <PasswordForm rules={policy.password} address={user.address} />
      </Card>
    </>
  );
}
