import type { ReactNode } from 'react';
import { buttonClass } from '@/components/ui/button';

// The period form of the TLS and authentication pages: a GET form (the period lives in the URL, so
// a view can be bookmarked) with the first and last UTC day, and the page's own narrowing fields.

/** The look of a control in the period form. */
export const periodControl = 'h-9 rounded-md border border-border bg-surface px-2';

/** A labelled control of the period form. */
export function PeriodField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-muted">{label}</span>
      {children}
    </label>
  );
}

/** From / To days, then the page's fields (children), then Apply. */
export function PeriodFilters({ from, to, testId, children }: { from: string; to: string; testId: string; children?: ReactNode }) {
  return (
    <form className="mb-6 flex flex-wrap items-end gap-3 text-sm" method="get" data-testid={testId}>
      <PeriodField label="From">
        <input type="date" name="from" defaultValue={from} className={periodControl} />
      </PeriodField>
      <PeriodField label="To">
        <input type="date" name="to" defaultValue={to} className={periodControl} />
      </PeriodField>
      {children}
      <button type="submit" className={buttonClass('primary', 'sm')}>
        Apply
      </button>
    </form>
  );
}
