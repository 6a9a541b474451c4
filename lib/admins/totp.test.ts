import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { addAdmin } from '@/lib/admins';
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  disableTotp,
  generateRecoveryCode,
  getPendingTotp,
  getTotpStatus,
  normalizeRecoveryCode,
  regenerateRecoveryCodes,
} from '@/lib/admins/totp';
import { verifyPassword } from '@/lib/auth/password';
import { unseal } from '@/lib/crypto/seal';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

const masterKey = 'test-master-key-0123456789';
const PW = 'Strong-Password-1';
let t: TestDatabase;
let me: Actor;

const codeFor = (secret: string, offset = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: Date.now() + offset * 1000 });

beforeAll(async () => {
  t = await createTestDatabase();
  const a = await addAdmin(t.prisma, { kind: 'cli', user: 'tester' }, { email: 'me@example.test', password: PW });
  me = { kind: 'admin', id: a.admin.id, email: a.admin.email, role: 'GLOBAL', domainIds: [] };
});
afterAll(() => t.drop());

describe('recovery codes', () => {
  it('are 10 unambiguous characters and normalise for comparison', () => {
    const codes = new Set(Array.from({ length: 200 }, generateRecoveryCode));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
    expect(normalizeRecoveryCode(' AbCdE-fGh23 ')).toBe('abcdefgh23');
  });
});

describe('TOTP enrolment', () => {
  let secret = '';

  it('starts with a sealed secret that is not yet in force', async () => {
    expect(await getTotpStatus(t.prisma, me)).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });
    expect(await getPendingTotp(t.prisma, me, { masterKey })).toBeNull();
    await beginTotpEnrolment(t.prisma, me, { masterKey });
    const pending = (await getPendingTotp(t.prisma, me, { masterKey }))!;
    secret = pending.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(pending.uri).toMatch(/^otpauth:\/\/totp\/Postern:me%40example\.test\?/);
    expect(pending.uri).toContain(`secret=${secret}`);
    const row = await t.prisma.admin.findUniqueOrThrow({ where: { id: (me as { id: string }).id } });
    expect(row.totpSecret).not.toContain(secret);
    expect(unseal(row.totpSecret!, masterKey).toString()).toBe(secret);
    expect(row.totpEnabled).toBe(false);
    expect(await getTotpStatus(t.prisma, me)).toMatchObject({ enabled: false, pending: true });
  });

  it('refuses a wrong code as a field error and enables with a right one, returning hashed-at-rest recovery codes once', async () => {
    const wrong = codeFor(secret) === '123456' ? '654321' : '123456';
    await expect(confirmTotpEnrolment(t.prisma, me, { masterKey, code: wrong })).rejects.toMatchObject({ code: 'invalid', field: 'code' });
    const { recoveryCodes } = await confirmTotpEnrolment(t.prisma, me, { masterKey, code: codeFor(secret) });
    expect(recoveryCodes).toHaveLength(10);
    const row = await t.prisma.admin.findUniqueOrThrow({ where: { id: (me as { id: string }).id } });
    expect(row.totpEnabled).toBe(true);
    expect(row.recoveryCodes).toHaveLength(10);
    expect(row.recoveryCodes[0]).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.recoveryCodes[3], normalizeRecoveryCode(recoveryCodes[3]))).toBe(true);
    expect(await t.prisma.auditLog.count({ where: { action: 'admin.totp.enable', target: 'me@example.test' } })).toBe(1);
    // Once on: no second enrolment over it, and no pending secret to show.
    await expect(beginTotpEnrolment(t.prisma, me, { masterKey })).rejects.toMatchObject({ code: 'conflict' });
    expect(await getPendingTotp(t.prisma, me, { masterKey })).toBeNull();
  });

  it('regenerates recovery codes only with a current code', async () => {
    await expect(regenerateRecoveryCodes(t.prisma, me, { masterKey, code: '000000' === codeFor(secret) ? '111111' : '000000' })).rejects.toMatchObject({ field: 'code' });
    const before = (await t.prisma.admin.findUniqueOrThrow({ where: { id: (me as { id: string }).id } })).recoveryCodes;
    const { recoveryCodes } = await regenerateRecoveryCodes(t.prisma, me, { masterKey, code: codeFor(secret) });
    const after = (await t.prisma.admin.findUniqueOrThrow({ where: { id: (me as { id: string }).id } })).recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(after.some((h) => before.includes(h))).toBe(false);
  });

  it('turns off only with the password, and never while the policy requires it', async () => {
    await expect(disableTotp(t.prisma, me, { password: 'wrong' })).rejects.toMatchObject({ field: 'password' });
    await updatePolicy(t.prisma, me, { domainId: null, settings: { requireTotp: true } });
    await expect(disableTotp(t.prisma, me, { password: PW })).rejects.toMatchObject({ code: 'forbidden' });
    await updatePolicy(t.prisma, me, { domainId: null, settings: {} });
    await disableTotp(t.prisma, me, { password: PW });
    const row = await t.prisma.admin.findUniqueOrThrow({ where: { id: (me as { id: string }).id } });
    expect(row).toMatchObject({ totpEnabled: false, totpSecret: null, recoveryCodes: [] });
  });

  it('is only for signed-in admins', async () => {
    await expect(beginTotpEnrolment(t.prisma, { kind: 'cli', user: 'x' }, { masterKey })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
