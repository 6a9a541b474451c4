import { Badge } from '@/components/ui/badge';
import type { Expiry } from '@/lib/certificates/expiry';

/** Days left, coloured by the warning thresholds (30 / 14 / 7 / 3 days). */
export function ExpiryBadge({ expiry }: { expiry: Expiry }) {
  if (expiry.daysLeft === null) return <span className="text-muted">—</span>;
  const tone = expiry.level === 'ok' ? 'ok' : expiry.level === 'warning' ? 'warn' : 'danger';
  const label = expiry.level === 'expired' ? 'expired' : `${expiry.daysLeft} days`;
  return (
    <span data-expiry-level={expiry.level} title={expiry.threshold ? `within the ${expiry.threshold}-day warning` : undefined}>
      <Badge tone={tone}>{label}</Badge>
    </span>
  );
}
