'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';

export const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/domains', label: 'Domains' },
  { href: '/mailboxes', label: 'Mailboxes' },
  { href: '/aliases', label: 'Aliases' },
  { href: '/certificates', label: 'Certificates' },
  { href: '/tls', label: 'TLS' },
  { href: '/queue', label: 'Queue' },
  { href: '/deliveries', label: 'Delivery log' },
  { href: '/policies', label: 'Policies', globalOnly: true },
  { href: '/alerts', label: 'Alerts', globalOnly: true },
  { href: '/tokens', label: 'API tokens', globalOnly: true },
  { href: '/audit', label: 'Audit log' },
  { href: '/admins', label: 'Admins' },
] as const satisfies readonly { href: string; label: string; globalOnly?: boolean }[];

function isActive(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

/** The main navigation; links a domain admin cannot use are left out (the pages refuse them anyway). */
export function Nav({ role }: { role: 'GLOBAL' | 'DOMAIN' }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main">
      <ul className="flex gap-1 overflow-x-auto md:flex-col md:overflow-visible">
        {NAV.filter((item) => role === 'GLOBAL' || !('globalOnly' in item)).map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? 'page' : undefined}
                className={cn(
                  'block whitespace-nowrap rounded-md px-3 py-2 text-sm',
                  active ? 'bg-accent text-accent-fg font-medium' : 'text-fg hover:bg-surface-2',
                )}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
