// The throttle of lib/auth/throttle.ts against lockout attacks, on a real Postgres: no forged panel header or failure storm locks out another IP or the
// account's owner, and brute force from one IP is still stopped.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword } from '@/lib/auth/password';
import { admitLogin, IP_FAILURE_FACTOR, recordLoginFailure, slowDownMs, throttleKey, type SlowDown } from '@/lib/auth/throttle';
import { DEFAULT_POLICY } from '@/lib/policy/schema';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const RIGHT = 'Right-Password-1';
const slowDown: SlowDown = { baseMs: 5, capMs: 80 }; // the knob: milliseconds instead of seconds
const rules = DEFAULT_POLICY.bruteForce; // maxFailures 5, 900 s window, 900 s lockout
const mail = (address: string, password: string, ip: string, service: 'smtp' | 'imap' = 'smtp') =>
  verifyMailboxLogin(t.prisma, { address, password, ip, service }, { slowDown });
const panel = (email: string, password: string, ip: string) => verifyAdminLogin(t.prisma, { email, password, ip }, { slowDown });

beforeAll(async () => {
  t = await createTestDatabase();
  const domain = await t.prisma.domain.create({ data: { name: 'example.test' } });
  const hash = await hashPassword(RIGHT);
  await t.prisma.mailbox.createMany({
    data: ['alice', 'bob'].map((u) => ({ domainId: domain.id, localPart: u, address: `${u}@example.test`, passwordHash: hash, quotaBytes: 0 })),
  });
  await t.prisma.admin.create({ data: { email: 'root@example.test', passwordHash: hash } });
});
afterAll(() => t.drop());
beforeEach(() => t.prisma.authThrottle.deleteMany({}));

describe('the slow-down', () => {
  it('is 0 below maxFailures, then base doubling per failure up to the cap', () => {
    const ms = Array.from({ length: 12 }, (_, i) => slowDownMs(i, rules, { baseMs: 1000, capMs: 16_000 }));
    expect(ms).toEqual([0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16_000, 16_000, 16_000]);
    expect(slowDownMs(1_000_000, rules, slowDown)).toBe(80);
  });
});

describe('throttling cannot be aimed at others', () => {
  it('five failed panel sign-ins with a forged client IP do not touch SMTP AUTH or IMAP LOGIN from that IP', async () => {
    const forged = '127.0.0.70';
    for (let i = 0; i < 5; i++) expect(await panel('root@example.test', `wrong-${i}`, forged)).toEqual({ ok: false, reason: 'invalid' });
    // The panel's own pair is locked now...
    expect(await panel('root@example.test', RIGHT, forged)).toEqual({ ok: false, reason: 'throttled' });
    // ...but no mail key was written, and mail from that IP works.
    const keys = (await t.prisma.authThrottle.findMany({ select: { key: true } })).map((r) => r.key);
    expect(keys.every((k) => k.startsWith('panel:'))).toBe(true);
    expect(await mail('alice@example.test', RIGHT, forged, 'smtp')).toMatchObject({ ok: true });
    expect(await mail('alice@example.test', RIGHT, forged, 'imap')).toMatchObject({ ok: true });
    expect(await mail('bob@example.test', 'wrong', forged, 'imap')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a panel storm with a new forged IP per attempt leaves the admin able to sign in from a clean address (after the slow-down)', async () => {
    for (let i = 0; i < 12; i++) await panel('root@example.test', 'guess', `198.18.0.${i}`);
    const before = Date.now();
    expect(await panel('root@example.test', RIGHT, '192.0.2.200')).toMatchObject({ ok: true });
    expect(Date.now() - before).toBeGreaterThanOrEqual(slowDown.capMs - 5);
  });

  it('five wrong passwords for an account from IP A do not stop the right password from IP B', async () => {
    for (let i = 0; i < 5; i++) expect(await mail('alice@example.test', `wrong-${i}`, '203.0.113.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(await mail('alice@example.test', RIGHT, '203.0.113.1')).toEqual({ ok: false, reason: 'throttled' });
    const admitted = await admitLogin(t.prisma, { group: 'mail', account: 'alice@example.test', ip: '203.0.113.2' }, rules, slowDown);
    expect(admitted).toEqual({ admitted: true, delayMs: slowDown.baseMs }); // the 5th failure: the first step of the slow-down
    expect(await mail('alice@example.test', RIGHT, '203.0.113.2')).toMatchObject({ ok: true, mailbox: { address: 'alice@example.test' } });
    expect(await mail('Alice@Example.TEST', RIGHT, '203.0.113.2', 'imap')).toMatchObject({ ok: true });
  });

  it('still stops brute force from one IP: the pair is locked after maxFailures, right password included', async () => {
    const ip = '192.0.2.66';
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await mail('bob@example.test', `guess-${i}`, ip);
      answers.push(r.ok ? 'ok' : r.reason);
    }
    expect(answers).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'throttled', 'throttled']);
    expect(await mail('bob@example.test', RIGHT, ip)).toEqual({ ok: false, reason: 'throttled' });
    const row = await t.prisma.authThrottle.findUnique({ where: { key: throttleKey.accountIp('mail', 'bob@example.test', ip) } });
    expect(row!.failures).toBe(5); // a locked pair is refused before any password is checked, and counts no more
    expect(row!.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + (rules.lockoutSeconds - 60) * 1000);
  });

  it('locks an IP that sprays across accounts after IP_FAILURE_FACTOR × maxFailures (v4-mapped v6 is the same client)', async () => {
    const limit = IP_FAILURE_FACTOR * rules.maxFailures;
    for (let i = 0; i < limit - 1; i++) expect((await mail(`user${i}@example.test`, 'x', '198.51.100.7')).ok).toBe(false);
    expect(await mail('one-more@example.test', 'x', '::ffff:198.51.100.7')).toEqual({ ok: false, reason: 'invalid' });
    expect(await mail('alice@example.test', RIGHT, '198.51.100.7')).toEqual({ ok: false, reason: 'throttled' });
    // Another address is not affected.
    expect(await mail('alice@example.test', RIGHT, '198.51.100.8')).toMatchObject({ ok: true });
  });

  it('many IPs against one account are slowed, more with every failure, up to the cap — never refused', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const attempt = { group: 'mail' as const, account: 'alice@example.test', ip: `100.64.0.${i}` };
      const a = await admitLogin(t.prisma, attempt, rules, slowDown);
      delays.push(a.admitted ? a.delayMs : -1);
      await recordLoginFailure(t.prisma, attempt, rules);
    }
    expect(delays).toEqual([0, 0, 0, 0, 0, 5, 10, 20, 40, 80]);
    // The owner, from a clean address, waits the cap and is let in.
    const before = Date.now();
    expect(await mail('alice@example.test', RIGHT, '100.64.1.1')).toMatchObject({ ok: true });
    expect(Date.now() - before).toBeGreaterThanOrEqual(75);
    // A success does not reset the account's slow-down (that would hand the attacker fresh fast guesses).
    const again = await admitLogin(t.prisma, { group: 'mail', account: 'alice@example.test', ip: '100.64.0.99' }, rules, slowDown);
    expect(again).toEqual({ admitted: true, delayMs: 80 });
  });

  it('a success forgets its own (account, IP) failures only', async () => {
    for (let i = 0; i < 4; i++) await mail('alice@example.test', 'typo', '192.0.2.9');
    expect(await mail('alice@example.test', RIGHT, '192.0.2.9')).toMatchObject({ ok: true });
    expect(await t.prisma.authThrottle.findUnique({ where: { key: throttleKey.accountIp('mail', 'alice@example.test', '192.0.2.9') } })).toBeNull();
    expect((await t.prisma.authThrottle.findUnique({ where: { key: throttleKey.ip('mail', '192.0.2.9') } }))!.failures).toBe(4);
    expect((await t.prisma.authThrottle.findUnique({ where: { key: throttleKey.account('mail', 'alice@example.test') } }))!.failures).toBe(4);
  });
});
