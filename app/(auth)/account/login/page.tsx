import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Card } from '@/components/ui/card';
import { currentMailUser } from '@/lib/dal/mail-user';
import { MailUserLoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in to your mailbox' };

export default async function MailUserLoginPage() {
  if (await currentMailUser()) redirect('/account');
  return (
    <Card className="p-6">
      <h1 className="mb-1 text-lg font-semibold">Sign in to your mailbox</h1>
      <p className="mb-4 text-sm text-muted">Your email address and your mailbox password (not an app password).</p>
      <MailUserLoginForm />
    </Card>
  );
}
