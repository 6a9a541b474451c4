// When a deferred recipient is tried again, and when the queue gives up. One place for
// the whole schedule: RFC 5321 §4.5.4.1 asks for retries spaced at least 30 minutes apart
// after the first and a give-up time of at least 4–5 days; like Postfix we start sooner
// (default 5 minutes) and double the wait up to a ceiling (default 4 hours).

export interface RetrySchedule {
  /** Wait after the first failed attempt, seconds. */
  baseSeconds: number;
  /** The longest wait between two attempts, seconds. */
  maxSeconds: number;
  /** How long a message may stay in the queue before it bounces, hours. */
  lifetimeHours: number;
  /** After this long in the queue the sender gets one delay notice, hours; 0 = never. */
  delayWarningHours: number;
}

/** The wait after the attempt numbered `attempts` (1 = the first attempt failed). */
export function retryDelaySeconds(schedule: RetrySchedule, attempts: number): number {
  const doublings = Math.max(0, Math.min(attempts - 1, 30));
  return Math.min(schedule.maxSeconds, schedule.baseSeconds * 2 ** doublings);
}

/** When the queue gives up on a message (RFC 3464 Will-Retry-Until). */
export function giveUpAt(schedule: RetrySchedule, queuedAt: Date): Date {
  return new Date(queuedAt.getTime() + schedule.lifetimeHours * 3_600_000);
}

/** The next attempt, or null when the message has outlived its queue lifetime. */
export function nextAttemptAt(schedule: RetrySchedule, queuedAt: Date, attempts: number, now: Date): Date | null {
  const expires = giveUpAt(schedule, queuedAt).getTime();
  if (now.getTime() >= expires) return null;
  return new Date(Math.min(expires, now.getTime() + retryDelaySeconds(schedule, attempts) * 1000));
}

/** Whether the one delay notice is due for a recipient still being retried. */
export function delayNoticeDue(schedule: RetrySchedule, queuedAt: Date, alreadyNotified: boolean, now: Date): boolean {
  if (alreadyNotified || schedule.delayWarningHours <= 0) return false;
  return now.getTime() - queuedAt.getTime() >= schedule.delayWarningHours * 3_600_000;
}
