// Throttling on the panel side: the client IP is decided once (lib/dal/ip.ts),
// a forged X-Forwarded-For from an untrusted peer is not believed, and whatever the
// panel counts under it never reaches the mail protocols' throttle.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword } from '@/lib/auth/password';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

vi.mock('server-only', () => ({}));
const { clientIp } = await import('@/lib/dal/ip');

const RIGHT = 'Right-Password-1';
const slowDown = { baseMs: 1, capMs: 8 };
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  const domain = await t.prisma.domain.create({ data: { name: 'example.test' } });
  const passwordHash = await hashPassword(RIGHT);
  await t.prisma.mailbox.create({ data: { domainId: domain.id, localPart: 'alice', address: 'alice@example.test', passwordHash, quotaBytes: 0 } });
  await t.prisma.admin.create({ data: { email: 'root@example.test', passwordHash } });
});
afterAll(() => t.drop());
afterEach(() => {
  delete process.env.POSTERN_TRUSTED_PROXIES;
});

describe('clientIp: one place decides the panel client address', () => {
  it('no proxy declared: only the right-most hop (what Next wrote from the socket, or the peer) counts; hops left of it are ignored', () => {
    expect(clientIp(new Headers({ 'x-forwarded-for': '198.51.100.9' }))).toBe('198.51.100.9');
    expect(clientIp(new Headers({ 'x-forwarded-for': '127.0.0.70, 198.51.100.9' }))).toBe('198.51.100.9');
    expect(clientIp({ 'x-forwarded-for': ['127.0.0.70', '::ffff:198.51.100.9'] })).toBe('198.51.100.9');
    expect(clientIp(new Headers())).toBeUndefined();
    // X-Real-IP is not a source: a client can write it, and no part of Postern sets it.
    expect(clientIp(new Headers({ 'x-real-ip': '127.0.0.70' }))).toBeUndefined();
  });

  it('a declared proxy: the right-most hop that is not a declared proxy', () => {
    process.env.POSTERN_TRUSTED_PROXIES = '10.0.0.0/8';
    expect(clientIp(new Headers({ 'x-forwarded-for': '127.0.0.70, 203.0.113.4, 10.0.0.2' }))).toBe('203.0.113.4');
    // From an address that is not a declared proxy, the header left of it is still ignored.
    expect(clientIp(new Headers({ 'x-forwarded-for': '127.0.0.70, 198.51.100.9' }))).toBe('198.51.100.9');
  });
});

describe('a forged X-Forwarded-For on the panel', () => {
  it('five failed panel sign-ins "from" 127.0.0.70 leave SMTP AUTH and IMAP LOGIN from 127.0.0.70 alone', async () => {
    const forged = new Headers({ 'x-forwarded-for': '127.0.0.70' });
    for (let i = 0; i < 5; i++) {
      const r = await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: `wrong-${i}`, ip: clientIp(forged)! }, { slowDown });
      expect(r).toEqual({ ok: false, reason: 'invalid' });
    }
    for (const service of ['smtp', 'imap'] as const) {
      expect(await verifyMailboxLogin(t.prisma, { address: 'alice@example.test', password: RIGHT, ip: '127.0.0.70', service }, { slowDown })).toMatchObject({ ok: true });
    }
    expect(await t.prisma.authThrottle.count({ where: { key: { startsWith: 'mail:' } } })).toBe(0);
  });

  it('a storm with a new forged address per attempt cannot keep the admin out (slowed, not refused)', async () => {
    for (let i = 0; i < 12; i++) {
      const ip = clientIp(new Headers({ 'x-forwarded-for': `127.0.1.${i}` }))!;
      await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: 'guess', ip }, { slowDown });
    }
    const r = await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: RIGHT, ip: '192.0.2.1' }, { slowDown });
    expect(r.ok).toBe(true);
  });
});
