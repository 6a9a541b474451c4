import Link from 'next/link';
import { buttonClass } from './button';

/** Previous/next links that keep the other query parameters. */
export function Pagination({
  page,
  pageCount,
  total,
  href,
}: {
  page: number;
  pageCount: number;
  total: number;
  href: (page: number) => string;
}) {
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
      <p className="text-muted">
        Page {page} of {Math.max(pageCount, 1)} · {total.toLocaleString('en')} total
      </p>
      <div className="flex gap-2">
        {page > 1 ? (
          <Link className={buttonClass('secondary', 'sm')} href={href(page - 1)} rel="prev">
            Previous
          </Link>
        ) : (
          <span className={buttonClass('secondary', 'sm', 'opacity-50')} aria-disabled="true">
            Previous
          </span>
        )}
        {page < pageCount ? (
          <Link className={buttonClass('secondary', 'sm')} href={href(page + 1)} rel="next">
            Next
          </Link>
        ) : (
          <span className={buttonClass('secondary', 'sm', 'opacity-50')} aria-disabled="true">
            Next
          </span>
        )}
      </div>
    </nav>
  );
}
