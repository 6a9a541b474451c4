import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { TOTP_PARAMS } from '@/lib/admins/totp';
import { addDomain } from '@/lib/domains';
import { createMailbox, setMailboxPassword } from '@/lib/mailboxes';
import { beginMailboxTotp, confirmMailboxTotp, disableMailboxTotp, getMailboxTotp, pendingMailboxTotp, verifyMailUserLogin, type MailUser } from '@/lib/self-service';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// RFC 6238 TOTP for the self-service sign-in: set up with a code from the app, then every
// sign-in needs a current code, each code once; off with the password; an admin's reset removes it.

let t: TestDatabase;
const KEY = 'totp-test-master-key';
const PW = 'Strong-Password-1';
let user: MailUser;
let secret = '';
// The code that confirmed the set-up: it stays used up however much time the tests take.
let confirmingCode = '';
let ip = 0;
const login = (password: string, code?: string) =>
  verifyMailUserLogin(t.prisma, { address: user.address, password, code, ip: `203.0.113.${++ip}` }, { masterKey: KEY, slowDown: { baseMs: 1, capMs: 4 } });
const codeAt = (ms: number) => new OTPAuth.TOTP({ ...TOTP_PARAMS, secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: ms });

beforeAll(async () => {
  t = await createTestDatabase();
  await addDomain(t.prisma, SYSTEM, { name: 'example.test' });
  const m = await createMailbox(t.prisma, SYSTEM, { address: 'tess@example.test', password: PW });
  user = { kind: 'mailbox', id: m.mailbox.id, address: m.mailbox.address, domainId: m.mailbox.domainId };
});
afterAll(() => t.drop());

describe('mailbox TOTP', () => {
  it('is off until a code from the app confirms the secret', async () => {
    expect(await getMailboxTotp(t.prisma, user)).toEqual({ enabled: false, pending: false });
    await beginMailboxTotp(t.prisma, user, { masterKey: KEY });
    const pending = (await pendingMailboxTotp(t.prisma, user, { masterKey: KEY }))!;
    expect(pending.uri).toMatch(/^otpauth:\/\/totp\/Postern:tess%40example\.test\?/);
    secret = pending.secret;
    expect(await getMailboxTotp(t.prisma, user)).toEqual({ enabled: false, pending: true });
    expect(await login(PW)).toMatchObject({ ok: true }); // pending: not asked yet
    const window = [-30_000, 0, 30_000].map((d) => codeAt(Date.now() + d));
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !window.includes(c))!;
    await expect(confirmMailboxTotp(t.prisma, user, { masterKey: KEY, code: wrong })).rejects.toMatchObject({ field: 'code' });
    // The previous step's code is still good (±1 step), and is used up by the confirmation.
    confirmingCode = codeAt(Date.now() - 30_000);
    await confirmMailboxTotp(t.prisma, user, { masterKey: KEY, code: confirmingCode });
    expect(await getMailboxTotp(t.prisma, user)).toEqual({ enabled: true, pending: false });
    expect(await pendingMailboxTotp(t.prisma, user, { masterKey: KEY })).toBeNull();
  });

  it('sign-in: the password first, then a current code, each code once', async () => {
    expect(await login('wrong', codeAt(Date.now()))).toEqual({ ok: false, reason: 'invalid' });
    expect(await login(PW)).toEqual({ ok: false, reason: 'totp_required' });
    expect(await login(PW, '12345')).toEqual({ ok: false, reason: 'totp_invalid' });
    expect(await login(PW, confirmingCode)).toEqual({ ok: false, reason: 'totp_invalid' }); // used to confirm
    const current = codeAt(Date.now());
    expect(await login(PW, current)).toMatchObject({ ok: true });
    expect(await login(PW, current)).toEqual({ ok: false, reason: 'totp_invalid' });
    expect(await t.prisma.auditLog.count({ where: { action: 'mailbox.login.totp_failed' } })).toBe(3);
  });

  it('turned off with the password; an admin’s password reset removes it too', async () => {
    await expect(disableMailboxTotp(t.prisma, user, { password: 'wrong' })).rejects.toMatchObject({ field: 'password' });
    await disableMailboxTotp(t.prisma, user, { password: PW });
    expect(await login(PW)).toMatchObject({ ok: true });
    await beginMailboxTotp(t.prisma, user, { masterKey: KEY });
    secret = (await pendingMailboxTotp(t.prisma, user, { masterKey: KEY }))!.secret;
    await confirmMailboxTotp(t.prisma, user, { masterKey: KEY, code: codeAt(Date.now()) });
    await expect(beginMailboxTotp(t.prisma, user, { masterKey: KEY })).rejects.toMatchObject({ code: 'conflict' });
    await setMailboxPassword(t.prisma, SYSTEM, { address: user.address, password: 'Reset-Password-42' });
    expect(await login('Reset-Password-42')).toMatchObject({ ok: true });
  });
});
