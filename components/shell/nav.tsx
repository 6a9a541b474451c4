'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';
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

/**
 * The main navigation; links a domain admin cannot use are left out (the pages refuse them anyway).
 * Below 640 px the sections sit behind a menu button (a disclosure): opening it moves focus to
 * the first section, Escape closes it and gives focus back to the button, choosing a section closes it.
 * `brand` is the panel's name, shown on the button's row.
 */
export function Nav({ role, brand }: { role: 'GLOBAL' | 'DOMAIN'; brand: React.ReactNode }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [shownFor, setShownFor] = useState(pathname);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const listId = useId();
  // A new page closes the menu (React's "adjust state when a prop changes").
  if (shownFor !== pathname) {
    setShownFor(pathname);
    setOpen(false);
  }
  useEffect(() => {
    if (open) list.current?.querySelector('a')?.focus();
  }, [open]);

  return (
    <nav
      aria-label="Main"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <div className="flex items-center justify-between gap-2">
        {brand}
        <button
          ref={button}
          type="button"
          aria-expanded={open}
          aria-controls={listId}
          onClick={() => setOpen((o) => !o)}
          className="inline-flex items-center gap-2 rounded-md border border-border px-3 py-1.5 text-sm sm:hidden"
        >
          <span aria-hidden="true" className="text-base leading-none">{open ? '✕' : '☰'}</span>
          Menu
        </button>
      </div>
      <ul
        ref={list}
        id={listId}
        className={cn('mt-2 flex-col gap-1 sm:flex sm:flex-row sm:flex-wrap md:flex-col', open ? 'flex' : 'hidden')}
      >
        {NAV.filter((item) => role === 'GLOBAL' || !('globalOnly' in item)).map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? 'page' : undefined}
                onClick={() => setOpen(false)}
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
