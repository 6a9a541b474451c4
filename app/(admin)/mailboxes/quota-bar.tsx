import { cn } from '@/components/ui/cn';
import { formatBytes } from '@/components/ui/format';

/** Used / quota as text and a bar (0 quota = unlimited). */
export function QuotaBar({ used, quota }: { used: number; quota: number }) {
  const ratio = quota > 0 ? Math.min(used / quota, 1) : 0;
  const pct = Math.round(ratio * 100);
  return (
    <div className="space-y-1">
      <p className="text-xs tabular-nums">
        {formatBytes(used)} of {quota > 0 ? formatBytes(quota) : 'unlimited'}
        {quota > 0 ? <span className="text-muted"> · {pct}%</span> : null}
      </p>
      {quota > 0 ? (
        <div
          role="meter"
          aria-label="Quota use"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          className="h-1.5 w-full overflow-hidden rounded bg-surface-2"
        >
          <div className={cn('h-full', ratio > 0.9 ? 'bg-danger' : ratio > 0.75 ? 'bg-warn' : 'bg-ok')} style={{ width: `${pct}%` }} />
        </div>
      ) : null}
    </div>
  );
}
