import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Card } from '@/components/ui/card';
import { safeCallbackPath } from '@/lib/dal/redirect';
import { currentAdmin } from '@/lib/dal/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Only a path on this origin, for the form and for the "already signed in" redirect.
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await currentAdmin()) redirect(callbackUrl);
  return (
    <Card className="p-6">
      <h1 className="mb-4 text-lg font-semibold">Sign in to the admin panel</h1>
      <LoginForm callbackUrl={callbackUrl} />
    </Card>
  );
}
