import { Badge } from '@/components/ui/badge';
import { DomainName } from '@/components/ui/domain-name';
import { formatDuration } from '@/components/ui/format';
import type { OutboundStatusName } from '@/lib/queue';

// How the queue pages name a recipient's state and a point in time.

export const STATUS_LABEL: Record<OutboundStatusName, string> = { QUEUED: 'queued', DEFERRED: 'deferred', SENT: 'sent', BOUNCED: 'failed' };
const STATUS_TONE = { QUEUED: 'neutral', DEFERRED: 'warn', SENT: 'ok', BOUNCED: 'danger' } as const;

export function StatusBadge({ status, inFlight, bounceRequested }: { status: OutboundStatusName; inFlight?: boolean; bounceRequested?: boolean }) {
  return (
    <span className="inline-flex flex-wrap gap-1" data-status={status}>
      <Badge tone={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>
      {inFlight ? <Badge tone="ok">delivering now</Badge> : null}
      {bounceRequested && status !== 'BOUNCED' ? <Badge tone="warn">bounce requested</Badge> : null}
    </span>
  );
}

const OUTCOME_TONE: Record<string, 'ok' | 'warn' | 'danger'> = { sent: 'ok', deferred: 'warn', failed: 'danger' };

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <Badge tone={OUTCOME_TONE[outcome] ?? 'neutral'}>{outcome}</Badge>;
}

/** "2026-12-02 14:05:09" (UTC) with the relative time as its title. */
export function Time({ at, now }: { at: Date; now: Date }) {
  const diff = at.getTime() - now.getTime();
  const relative = Math.abs(diff) < 1000 ? 'now' : diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
  return (
    <time dateTime={at.toISOString()} title={at.toISOString()} className="whitespace-nowrap">
      {relative}
    </time>
  );
}

export function utc(at: Date): string {
  return at.toISOString().replace('T', ' ').slice(0, 19);
}

/** The null reverse-path reads as "<>" (our own delivery status notices). */
export function Sender({ mailFrom }: { mailFrom: string }) {
  return mailFrom ? <DomainName name={mailFrom} className="break-all" /> : <span className="text-muted" title="null sender: a delivery status notice">&lt;&gt;</span>;
}

export function Reply({ code, text }: { code: number | null; text: string | null }) {
  if (!text && code === null) return <span className="text-muted">—</span>;
  return (
    <span className="break-words font-mono text-xs" title={text ?? undefined}>
      {code !== null ? <strong>{code}</strong> : null} {text && text.length > 160 ? `${text.slice(0, 160)}…` : text}
    </span>
  );
}

/** When a waiting recipient is tried next: "due now" once the time has come (a runner picks it up). */
export function NextAttempt({ at, now }: { at: Date; now: Date }) {
  if (at.getTime() <= now.getTime()) {
    return (
      <time dateTime={at.toISOString()} title={at.toISOString()} className="whitespace-nowrap">
        due now
      </time>
    );
  }
  return <Time at={at} now={now} />;
}
