import { DAEMON_METRICS, processMetrics } from './process-metrics';

/** One SMTP AUTH or IMAP LOGIN outcome: ok, invalid or throttled (a throttled one is also a throttling event). */
export function countLogin(protocol: 'smtp' | 'imap' | 'pop3', result: { ok: true } | { ok: false; reason: string }): void {
  const outcome = result.ok ? 'ok' : result.reason;
  processMetrics.inc(DAEMON_METRICS.logins, { protocol, result: outcome });
  if (outcome === 'throttled') processMetrics.inc(DAEMON_METRICS.throttled, { protocol });
}
