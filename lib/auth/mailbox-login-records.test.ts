// What a mail login reads and writes around its argon2 work: the policy read with the mailbox (a
// domain's override over the global row), the app passwords only for input of their shape, and
// one write for the outcome — a success's throttle reset, the app password's last use and the
// login's TLS (the owner's recent logins); a failure's three counts; nothing when throttled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createAppPassword } from '@/lib/app-passwords';
import { verifyMailboxLogin, type MailboxLoginInput } from '@/lib/auth/mailbox-login';
import { throttleKey } from '@/lib/auth/throttle';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { getRecentLogins } from '@/lib/self-service/overview';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const PW = 'Strong-Password-1';
const quick = { slowDown: { baseMs: 1, capMs: 4 } };
const cli = { kind: 'cli', user: 'test' } as const;
const TLS13 = { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' };
let carol: { id: string; address: string; domainId: string };
let dave: { id: string; address: string; domainId: string };

const login = (address: string, password: string, ip: string, more: Partial<Pick<MailboxLoginInput, 'service' | 'clientTls'>> = {}) =>
  verifyMailboxLogin(t.prisma, { address, password, ip, service: more.service ?? 'imap', clientTls: more.clientTls }, quick);

beforeAll(async () => {
  t = await createTestDatabase();
  await addDomain(t.prisma, SYSTEM, { name: 'records.test' });
  await addDomain(t.prisma, SYSTEM, { name: 'strict.test' });
  carol = (await createMailbox(t.prisma, SYSTEM, { address: 'carol@records.test', password: PW })).mailbox;
  dave = (await createMailbox(t.prisma, SYSTEM, { address: 'dave@strict.test', password: PW })).mailbox;
});
afterAll(() => t?.drop());

describe('mail login records', () => {
  it('a success with the client TLS is one of the owner\'s recent logins, per service, counted per day', async () => {
    expect(await login('carol@records.test', PW, '192.0.2.1', { clientTls: TLS13 })).toMatchObject({ ok: true, appPasswordId: null });
    expect(await login('carol@records.test', PW, '192.0.2.1', { clientTls: TLS13 })).toMatchObject({ ok: true });
    expect(await login('carol@records.test', PW, '192.0.2.1', { service: 'pop3', clientTls: { version: null, cipher: null } })).toMatchObject({ ok: true });
    // Without the TLS (the panel's own checks, the CLI) nothing is recorded.
    expect(await login('carol@records.test', PW, '192.0.2.2')).toMatchObject({ ok: true });
    const recent = await getRecentLogins(t.prisma, { kind: 'mailbox', id: carol.id, address: carol.address, domainId: carol.domainId });
    expect(recent.map((r) => [r.service, r.tlsVersion, r.cipher, r.clientIp, r.logins]).sort()).toEqual([
      ['imap', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', '192.0.2.1', 2],
      ['pop3', 'none', '', '192.0.2.1', 1],
    ]);
  });

  it('a success forgets its (account, IP) pair\'s failures, not the IP\'s nor the account\'s', async () => {
    const ip = '192.0.2.20';
    expect(await login('carol@records.test', 'wrong', ip)).toEqual({ ok: false, reason: 'invalid' });
    const keys = [throttleKey.accountIp('mail', carol.address, ip), throttleKey.ip('mail', ip), throttleKey.account('mail', carol.address)];
    const rows = async () => (await t.prisma.authThrottle.findMany({ where: { key: { in: keys } }, orderBy: { key: 'asc' } })).map((r) => [r.key, r.failures]);
    expect(await rows()).toHaveLength(3);
    expect(await login('carol@records.test', PW, ip)).toMatchObject({ ok: true });
    expect((await rows()).map(([key]) => key)).toEqual([keys[2], keys[1]].sort());
  });

  it('an app password opens and its last use is noted; only input of its shape reads the app passwords', async () => {
    const actor = { kind: 'mailbox', id: carol.id, address: carol.address, domainId: carol.domainId } as const;
    const device = await createAppPassword(t.prisma, actor, { name: 'Phone' });
    const res = await login('carol@records.test', device.password.toUpperCase(), '192.0.2.30', { clientTls: TLS13 });
    expect(res).toMatchObject({ ok: true, appPasswordId: device.id });
    const row = await t.prisma.appPassword.findUniqueOrThrow({ where: { id: device.id } });
    expect(row.lastUsedAt).not.toBeNull();
    // The mailbox password leaves the app password's last use alone.
    expect(await login('carol@records.test', PW, '192.0.2.31')).toMatchObject({ ok: true, appPasswordId: null });
    expect((await t.prisma.appPassword.findUniqueOrThrow({ where: { id: device.id } })).lastUsedAt).toEqual(row.lastUsedAt);
  });

  it('the domain\'s override of requireAppPasswords and of the limits applies, read with the mailbox', async () => {
    await updatePolicy(t.prisma, cli, { domainId: dave.domainId, settings: { requireAppPasswords: true, bruteForce: { maxFailures: 2 } } });
    // The right mailbox password is refused under requireAppPasswords and counts as a failure.
    expect(await login('dave@strict.test', PW, '192.0.2.40')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('dave@strict.test', PW, '192.0.2.40')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('dave@strict.test', PW, '192.0.2.40')).toEqual({ ok: false, reason: 'throttled' });
    // The global policy still applies to the other domain: five failures before a lock.
    for (let i = 0; i < 4; i++) expect(await login('carol@records.test', 'wrong', '192.0.2.41')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('carol@records.test', PW, '192.0.2.41')).toMatchObject({ ok: true });
  });

  it('a throttled attempt writes nothing', async () => {
    const before = await t.prisma.authThrottle.findMany({ orderBy: { key: 'asc' } });
    expect(await login('dave@strict.test', PW, '192.0.2.40')).toEqual({ ok: false, reason: 'throttled' });
    expect(await t.prisma.authThrottle.findMany({ orderBy: { key: 'asc' } })).toEqual(before);
  });

  it('an unknown or malformed user counts its failure under the name given', async () => {
    expect(await login('nobody@records.test', PW, '192.0.2.50')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('not an address', PW, '192.0.2.51')).toEqual({ ok: false, reason: 'invalid' });
    const keys = (await t.prisma.authThrottle.findMany({ where: { key: { startsWith: 'mail:account:' } } })).map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining([throttleKey.account('mail', 'nobody@records.test'), throttleKey.account('mail', 'not an address')]));
  });
});
