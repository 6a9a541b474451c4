import { DAY_MS } from './x509';

/** Days-left thresholds at which an admin is warned, most distant first. */
export const WARNING_DAYS = [30, 14, 7, 3] as const;

export type ExpiryLevel = 'ok' | 'warning' | 'critical' | 'expired' | 'none';

export interface Expiry {
  /** Whole days left (floor); negative once expired; null without a certificate. */
  daysLeft: number | null;
  level: ExpiryLevel;
  /** The smallest warning threshold reached (30, 14, 7, 3), if any. */
  threshold: number | null;
}

/** ok > 30 days left, warning ≤ 30, critical ≤ 7, expired ≤ 0. */
export function expiryOf(notAfter: Date | null | undefined, now = new Date()): Expiry {
  if (!notAfter) return { daysLeft: null, level: 'none', threshold: null };
  const ms = notAfter.getTime() - now.getTime();
  const daysLeft = Math.floor(ms / DAY_MS);
  const reached = WARNING_DAYS.filter((d) => ms <= d * DAY_MS);
  const threshold = reached.length ? reached[reached.length - 1] : null;
  const level: ExpiryLevel = ms <= 0 ? 'expired' : ms <= 7 * DAY_MS ? 'critical' : ms <= 30 * DAY_MS ? 'warning' : 'ok';
  return { daysLeft, level, threshold };
}
