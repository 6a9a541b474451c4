import Link from 'next/link';
import { Nav } from '@/components/shell/nav';
import { DomainName } from '@/components/ui/domain-name';
import { SignOutButton } from '@/components/shell/sign-out-button';
import { requireAdmin } from '@/lib/dal/session';

// Every page below re-checks with requireAdmin() itself (layouts do not re-run on
// every navigation); this call only provides the header's signed-in admin.
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await requireAdmin();
  return (
    <div className="min-h-screen md:grid md:grid-cols-[14rem_1fr]">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-surface focus:p-2">
        Skip to content
      </a>
      <aside className="border-b border-border bg-surface p-3 md:min-h-screen md:border-b-0 md:border-r">
        <Nav
          role={admin.role}
          brand={
            <Link href="/" className="block px-3 py-1 text-lg font-semibold tracking-tight">
              Postern
            </Link>
          }
        />
      </aside>
      <div className="min-w-0">
        <header className="flex flex-wrap items-center justify-end gap-x-3 gap-y-1 border-b border-border bg-surface px-4 py-2 text-sm">
          <span data-testid="signed-in-admin" className="min-w-0 [overflow-wrap:anywhere]">
            <Link href="/admins/me" className="underline underline-offset-2 hover:no-underline" title="My account">
              <DomainName name={admin.email} />
            </Link>
            <span className="ml-2 text-muted">{admin.role === 'GLOBAL' ? 'global admin' : 'domain admin'}</span>
          </span>
          <SignOutButton />
        </header>
        <main id="main" className="mx-auto max-w-6xl p-4 md:p-8">
          {children}
        </main>
      </div>
    </div>
  );
}
