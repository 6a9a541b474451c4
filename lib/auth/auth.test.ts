import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { lockedUntil, pruneThrottle, recordFailure, resetFailures } from '@/lib/auth/throttle';
import { createPrisma } from '@/lib/db/prisma';
import { mergePolicy, updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli = { kind: 'cli', user: 'test' } as const;
const rules = { maxFailures: 3, windowSeconds: 900, lockoutSeconds: 900 };

beforeAll(async () => {
  t = await createTestDatabase();
  const domain = await t.prisma.domain.create({ data: { name: 'example.test' } });
  const off = await t.prisma.domain.create({ data: { name: 'off.test', enabled: false } });
  const hash = await hashPassword('Right-Password-1');
  await t.prisma.mailbox.createMany({
    data: [
      { domainId: domain.id, localPart: 'alice', address: 'alice@example.test', passwordHash: hash, quotaBytes: 0 },
      { domainId: domain.id, localPart: 'dis', address: 'dis@example.test', passwordHash: hash, quotaBytes: 0, enabled: false },
      { domainId: off.id, localPart: 'bob', address: 'bob@off.test', passwordHash: hash, quotaBytes: 0 },
    ],
  });
  await t.prisma.admin.create({ data: { email: 'root@example.test', passwordHash: hash } });
});
afterAll(() => t.drop());

describe('argon2id', () => {
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('pw');
    expect(h.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(h, 'pw')).toBe(true);
    expect(await verifyPassword(h, 'nope')).toBe(false);
    expect(await verifyPassword('garbage', 'pw')).toBe(false);
  });
});

describe('throttle', () => {
  it('locks after maxFailures and resets on success', async () => {
    expect((await recordFailure(t.prisma, 'k1', rules)).failures).toBe(1);
    expect(await lockedUntil(t.prisma, ['k1'])).toBeNull();
    await recordFailure(t.prisma, 'k1', rules);
    const third = await recordFailure(t.prisma, 'k1', rules);
    expect(third.failures).toBe(3);
    expect(third.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 800_000);
    expect(await lockedUntil(t.prisma, ['other', 'k1'])).not.toBeNull();
    await resetFailures(t.prisma, 'k1');
    expect(await lockedUntil(t.prisma, ['k1'])).toBeNull();
  });

  it('counts concurrent failures from separate processes exactly', async () => {
    // Two clients = two connection pools, like the panel and the daemon.
    const other = createPrisma(t.url);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordFailure(i % 2 ? other : t.prisma, 'k2', { ...rules, maxFailures: 100 })),
    );
    await other.$disconnect();
    const row = await t.prisma.authThrottle.findUnique({ where: { key: 'k2' } });
    expect(row!.failures).toBe(20);
  });

  it('starts a fresh count once the window has passed', async () => {
    await recordFailure(t.prisma, 'k3', rules);
    await recordFailure(t.prisma, 'k3', rules);
    await t.prisma.authThrottle.update({ where: { key: 'k3' }, data: { windowStart: new Date(Date.now() - 901_000) } });
    expect((await recordFailure(t.prisma, 'k3', rules)).failures).toBe(1);
  });

  it('starts a fresh count once a lockout has ended', async () => {
    for (let i = 0; i < 3; i++) await recordFailure(t.prisma, 'k4', rules);
    await t.prisma.authThrottle.update({ where: { key: 'k4' }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    expect(await lockedUntil(t.prisma, ['k4'])).toBeNull();
    const r = await recordFailure(t.prisma, 'k4', rules);
    expect(r).toEqual({ failures: 1, lockedUntil: null });
  });
});

describe('pruneThrottle', () => {
  it('drops only stale, unlocked counters', async () => {
    await recordFailure(t.prisma, 'stale', rules);
    await recordFailure(t.prisma, 'recent', rules);
    for (let i = 0; i < 3; i++) await recordFailure(t.prisma, 'locked-old', rules);
    const old = new Date(Date.now() - 2_000_000);
    await t.prisma.authThrottle.updateMany({ where: { key: { in: ['stale', 'locked-old'] } }, data: { windowStart: old } });
    expect(await pruneThrottle(t.prisma, rules)).toBeGreaterThanOrEqual(1);
    const keys = (await t.prisma.authThrottle.findMany({ select: { key: true } })).map((r) => r.key);
    expect(keys).not.toContain('stale');
    expect(keys).toContain('recent');
    expect(keys).toContain('locked-old');
  });
});

describe('verifyMailboxLogin', () => {
  const login = (address: string, password: string, ip = '192.0.2.1') =>
    verifyMailboxLogin(t.prisma, { address, password, ip, service: 'imap' }, { slowDown: { baseMs: 1, capMs: 4 } });

  it('accepts the right password, case-insensitively on the address', async () => {
    const r = await login('Alice@Example.TEST', 'Right-Password-1');
    expect(r).toMatchObject({ ok: true, mailbox: { address: 'alice@example.test' } });
  });

  it('gives the same answer for unknown, wrong, disabled and disabled-domain', async () => {
    expect(await login('nobody@example.test', 'Right-Password-1', '192.0.2.10')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('alice@example.test', 'wrong', '192.0.2.11')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('dis@example.test', 'Right-Password-1', '192.0.2.12')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('bob@off.test', 'Right-Password-1', '192.0.2.13')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('not an address', 'x', '192.0.2.14')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('locks the (account, IP) pair after the policy number of failures; the right password from another IP still works', async () => {
    await updatePolicy(t.prisma, cli, { domainId: null, settings: { bruteForce: { maxFailures: 3 } } });
    await t.prisma.authThrottle.deleteMany({}); // the wrong-password test above counted one
    for (let i = 0; i < 3; i++) expect(await login('alice@example.test', 'wrong', '198.51.100.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('alice@example.test', 'Right-Password-1', '198.51.100.1')).toEqual({ ok: false, reason: 'throttled' });
    expect(await login('alice@example.test', 'Right-Password-1', '198.51.100.99')).toMatchObject({ ok: true });
  });

  it('takes the limits from the policy reader it is given (the daemon passes its cache)', async () => {
    const asked: (string | null | undefined)[] = [];
    const policy = {
      async get(domainId?: string | null) {
        asked.push(domainId);
        return mergePolicy({ bruteForce: { maxFailures: 1 } });
      },
    };
    const attempt = (password: string) => verifyMailboxLogin(t.prisma, { address: 'alice@example.test', password, ip: '198.51.100.50', service: 'imap' }, { policy, slowDown: { baseMs: 1, capMs: 4 } });
    expect(await attempt('wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect(await attempt('Right-Password-1')).toEqual({ ok: false, reason: 'throttled' });
    const alice = await t.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } });
    expect(asked).toEqual([alice.domainId, alice.domainId]);
  });

  it('locks an IP that guesses across accounts (v4-mapped v6 is the same client)', async () => {
    // maxFailures 3 → the per-IP limit across accounts is 4 × 3 = 12.
    for (let i = 0; i < 11; i++) await login(`u${i}@example.test`, 'x', '203.0.113.7');
    expect(await login('u11@example.test', 'x', '::ffff:203.0.113.7')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('someone@example.test', 'x', '203.0.113.7')).toEqual({ ok: false, reason: 'throttled' });
  });

  it('the admin login has its own panel throttle and audits failures', async () => {
    expect((await verifyAdminLogin(t.prisma, { email: 'ROOT@example.test', password: 'Right-Password-1', ip: '10.0.0.1' })).ok).toBe(true);
    for (let i = 0; i < 3; i++) await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: 'no', ip: '10.0.1.1' });
    expect(await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: 'Right-Password-1', ip: '10.0.1.1' })).toEqual({
      ok: false,
      reason: 'throttled',
    });
    // Another address still signs in (after the slow-down: a test-sized one).
    const other = await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: 'Right-Password-1', ip: '10.0.0.2' }, { slowDown: { baseMs: 1, capMs: 4 } });
    expect(other.ok).toBe(true);
    expect(await t.prisma.authThrottle.count({ where: { key: { startsWith: 'mail:ip:10.0.1.1' } } })).toBe(0);
    const rows = await t.prisma.auditLog.findMany({ where: { action: 'admin.login.failed' } });
    expect(rows).toHaveLength(3);
    expect(rows[0].ip).toMatch(/^10\.0\.1\./);
  });
});
