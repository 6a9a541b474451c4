import Link from 'next/link';
import type { ReactNode } from 'react';
import { buttonClass } from './button';
import { Input } from './input';

// The search/filter forms of the list pages (queue, delivery log, audit log): GET forms whose
// fields live in the URL, so a filtered view can be bookmarked and shared.

/** A labelled field of a filter form. */
export function FilterField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-muted">
        {label}
      </label>
      {children}
    </div>
  );
}

/** A labelled text (or date) input of a filter form. */
export function FilterInput({
  id,
  name,
  label,
  value,
  placeholder,
  type = 'text',
  maxLength,
}: {
  id: string;
  name: string;
  label: string;
  value?: string;
  placeholder?: string;
  type?: string;
  maxLength?: number;
}) {
  return (
    <FilterField id={id} label={label}>
      <Input id={id} name={name} type={type} placeholder={placeholder} defaultValue={value} maxLength={maxLength} />
    </FilterField>
  );
}

/** Submit, and Clear back to the unfiltered page when a filter is set. */
export function FilterActions({ submit, clearHref, filtered, className = '' }: { submit: string; clearHref: string; filtered: boolean; className?: string }) {
  return (
    <div className={`flex items-end gap-2 ${className}`}>
      <button type="submit" className={buttonClass('primary')}>
        {submit}
      </button>
      {filtered ? (
        <Link href={clearHref} className={buttonClass('ghost')}>
          Clear
        </Link>
      ) : null}
    </div>
  );
}

/** What a list would show, said when it shows nothing. */
export function EmptyState({ testId, children }: { testId?: string; children: ReactNode }) {
  return (
    <p className="rounded-lg border border-border bg-surface p-6 text-center text-sm text-muted" data-testid={testId}>
      {children}
    </p>
  );
}

/** Keyset paging, newest first: back to the newest page, and on to older ones. */
export function KeysetNav({
  summary,
  newestHref,
  olderHref,
  olderLabel = 'Older',
}: {
  summary?: ReactNode;
  newestHref: string | null;
  olderHref: string | null;
  olderLabel?: string;
}) {
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
      <p className="text-muted">{summary}</p>
      <div className="flex gap-2">
        {newestHref ? (
          <Link className={buttonClass('secondary', 'sm')} href={newestHref}>
            Newest
          </Link>
        ) : null}
        {olderHref ? (
          <Link className={buttonClass('secondary', 'sm')} href={olderHref} rel="next">
            {olderLabel}
          </Link>
        ) : (
          <span className={buttonClass('secondary', 'sm', 'opacity-50')} aria-disabled="true">
            {olderLabel}
          </span>
        )}
      </div>
    </nav>
  );
}
