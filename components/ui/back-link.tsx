import Link from 'next/link';
import type { ReactNode } from 'react';

/** The way back to the page above this one, shown above the page header. */
export function BackLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <p className="mb-2 text-sm">
      <Link href={href} className="text-accent hover:underline">
        ← {children}
      </Link>
    </p>
  );
}
