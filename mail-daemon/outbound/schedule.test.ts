import { describe, expect, it } from 'vitest';
import { delayNoticeDue, nextAttemptAt, retryDelaySeconds, type RetrySchedule } from './schedule';

const DEFAULT: RetrySchedule = { baseSeconds: 300, maxSeconds: 14_400, lifetimeHours: 120, delayWarningHours: 4 };
const queuedAt = new Date('2026-12-01T00:00:00Z');
const hours = (h: number) => new Date(queuedAt.getTime() + h * 3_600_000);

describe('retry backoff: 5 minutes doubling to 4 hours', () => {
  it.each([
    [1, 300],
    [2, 600],
    [3, 1200],
    [4, 2400],
    [5, 4800],
    [6, 9600],
    [7, 14_400],
    [8, 14_400],
    [100, 14_400],
  ])('after attempt %i waits %i s', (attempts, seconds) => {
    expect(retryDelaySeconds(DEFAULT, attempts)).toBe(seconds);
  });
});

describe('queue lifetime', () => {
  it.each([
    ['an hour in', hours(1), 3, hours(1).getTime() + 1200_000],
    ['never past the give-up time', hours(119.95), 20, hours(120).getTime()],
    ['null once expired', hours(120), 20, null],
  ])('%s', (_name, now, attempts, expected) => {
    expect(nextAttemptAt(DEFAULT, queuedAt, attempts, now)?.getTime() ?? null).toBe(expected);
  });
});

describe('one delay notice after the warning time', () => {
  it.each([
    [hours(3.9), false, false],
    [hours(4), false, true],
    [hours(10), true, false],
  ])('at %s (already notified: %s) → %s', (now, notified, due) => {
    expect(delayNoticeDue(DEFAULT, queuedAt, notified, now)).toBe(due);
  });
  it('never when the warning is off', () => {
    expect(delayNoticeDue({ ...DEFAULT, delayWarningHours: 0 }, queuedAt, false, hours(100))).toBe(false);
  });
});
