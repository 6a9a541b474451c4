import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Card } from '@/components/ui/card';
import { currentAdmin } from '@/lib/dal/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

/** Only same-site paths: never an open redirect to another origin. */
function safeCallback(value: string | string[] | undefined): string {
  const v = (Array.isArray(value) ? value[0] : value) ?? '';
  return v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : '/';
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  if (await currentAdmin()) redirect(callbackUrl);
  return (
    <Card className="p-6">
      <h1 className="mb-4 text-lg font-semibold">Sign in to the admin panel</h1>
      <LoginForm callbackUrl={callbackUrl} />
    </Card>
  );
}
