import Link from 'next/link';
import { SignOutButton } from '@/components/shell/sign-out-button';
import { DomainName } from '@/components/ui/domain-name';
import { MAIL_USER_LOGIN_PATH, requireMailUser } from '@/lib/dal/mail-user';

const LINKS = [
  { href: '/account', label: 'Overview' },
  { href: '/account/password', label: 'Password' },
  { href: '/account/app-passwords', label: 'App passwords' },
  { href: '/account/security', label: 'Two-factor' },
  { href: '/account/forwarding', label: 'Forwarding' },
  { href: '/account/vacation', label: 'Vacation reply' },
  { href: '/account/smime', label: 'S/MIME' },
];

// The mailbox owner's own area, apart from the admin panel. Every page re-checks with
// requireMailUser() itself; this call only provides the header's signed-in address.
export default async function AccountLayout({ children }: { children: React.ReactNode }) {
  const user = await requireMailUser();
  return (
    <div className="min-h-screen">
      <header className="flex flex-wrap items-center gap-4 border-b border-border bg-surface px-4 py-2 text-sm">
        <Link href="/account" className="text-lg font-semibold tracking-tight">
          Postern
        </Link>
        <nav aria-label="Your mailbox" className="flex flex-wrap gap-3">
          {LINKS.map((l) => (
            <Link key={l.href} href={l.href} className="rounded px-2 py-1 hover:bg-border/40">
              {l.label}
            </Link>
          ))}
        </nav>
        <span className="ml-auto" data-testid="signed-in-mailbox">
          <DomainName name={user.address} />
        </span>
        <SignOutButton to={MAIL_USER_LOGIN_PATH} />
      </header>
      <main id="main" className="mx-auto max-w-4xl p-4 md:p-8">
        {children}
      </main>
    </div>
  );
}
