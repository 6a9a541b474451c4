import { Badge } from '@/components/ui/badge';
import type { DnsCheckSummary } from '@/lib/dns-records/summary';

/** The last DNS check at a glance: green when every record was right, else how many were not. */
export function DnsMark({ summary }: { summary: DnsCheckSummary | null | undefined }) {
  if (!summary) return <Badge>DNS not checked</Badge>;
  if (summary.problems === 0) return <Badge tone="ok">✓ DNS right</Badge>;
  return <Badge tone="warn">⚠ {summary.problems} DNS {summary.problems === 1 ? 'problem' : 'problems'}</Badge>;
}
