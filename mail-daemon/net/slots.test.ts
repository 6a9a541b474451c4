import { describe, expect, it } from 'vitest';
import { ConnectionSlots, prefixOf } from './slots';
import { TransferWatch } from './rate';

describe('prefixes', () => {
  it.each([
    ['192.0.2.77', '192.0.2.0/24'],
    ['::ffff:192.0.2.77', '192.0.2.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0000::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s is counted in %s', (ip, prefix) => expect(prefixOf(ip)).toBe(prefix));
});

describe('connection slots', () => {
  const limits = { maxTotal: 10, maxPerIp: 2, maxPerPrefix: 3, reserve: 4, seenMs: 60_000 };

  it('per address, per /24, then the reserve for unseen addresses and probation', () => {
    let now = 0;
    const slots = new ConnectionSlots(limits, () => now);
    const take = (ip: string, auth = false) => slots.acquire(ip, auth);
    expect(take('10.0.0.1').ok).toBe(true);
    expect(take('10.0.0.1').ok).toBe(true);
    expect(take('10.0.0.1')).toEqual({ ok: false, reason: 'per-ip' });
    expect(take('10.0.0.2').ok).toBe(true);
    expect(take('10.0.0.3')).toEqual({ ok: false, reason: 'per-prefix' });
    // Other networks fill the listener up to the reserve (6 slots).
    for (const ip of ['10.0.1.1', '10.0.1.1', '10.0.2.1']) expect(take(ip).ok).toBe(true);
    expect(slots.size).toBe(6);
    // In the reserve: a seen address is refused on MX, put on probation where clients authenticate.
    expect(take('10.0.2.1')).toEqual({ ok: false, reason: 'full' });
    const probation = take('10.0.2.1', true);
    expect(probation).toMatchObject({ ok: true, slot: { probation: true } });
    // Half the reserve at most goes to probation.
    expect(take('10.0.1.2', true).ok).toBe(true);
    expect(take('10.0.2.2', true)).toEqual({ ok: false, reason: 'full' });
    // An unseen address from an unused network still gets in, up to the total.
    expect(take('192.0.2.1')).toMatchObject({ ok: true, slot: { probation: false } });
    expect(take('198.51.100.1').ok).toBe(true);
    expect(take('203.0.113.1')).toEqual({ ok: false, reason: 'full' });
    // Authenticating ends probation; releasing frees the slot once.
    if (probation.ok) {
      probation.slot.authenticated();
      expect(probation.slot.probation).toBe(false);
      probation.slot.release();
      probation.slot.release();
    }
    expect(slots.size).toBe(9);
    // The attempt made 203.0.113.1 seen: with a slot free in the reserve it is refused, until it is forgotten.
    expect(take('203.0.113.1')).toEqual({ ok: false, reason: 'full' });
    now += 60_000;
    expect(take('203.0.113.1').ok).toBe(true);
  });
});

describe('transfer watch', () => {
  it('cuts a slow transfer after the grace and a long one at the total, and stays quiet when fast', () => {
    let now = 0;
    const seen: string[] = [];
    const limits = { graceMs: 30_000, minBytesPerSecond: 1024, maxMs: 600_000 };
    const slow = new TransferWatch(limits, (v) => seen.push(`slow:${v}`), () => now);
    const fast = new TransferWatch(limits, (v) => seen.push(`fast:${v}`), () => now);
    for (let t = 0; t < 30; t += 5) {
      now = t * 1000;
      slow.add(1); // one byte every 5 s
      fast.add(5 * 2048);
      slow.check();
      fast.check();
    }
    expect(seen).toEqual([]);
    now = 30_000;
    slow.check();
    fast.check();
    expect(seen).toEqual(['slow:too-slow']);
    now = 600_000;
    fast.add(600 * 2048);
    fast.check();
    expect(seen).toEqual(['slow:too-slow', 'fast:too-long']);
    slow.stop();
    fast.stop();
  });
});
