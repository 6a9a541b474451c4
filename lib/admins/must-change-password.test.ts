import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { addAdmin, changeOwnPassword, setAdminPassword } from '@/lib/admins';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
const PW = 'Strong-Password-1';
const flag = async (email: string) => (await t.prisma.admin.findUniqueOrThrow({ where: { email }, select: { mustChangePassword: true } })).mustChangePassword;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('a generated admin password must be changed', () => {
  it('is flagged when generated, not when chosen; the admin changing it clears the flag', async () => {
    const generated = await addAdmin(t.prisma, cli, { email: 'first@example.test' });
    expect(generated.generatedPassword).toBeTruthy();
    expect(generated.admin.mustChangePassword).toBe(true);
    expect(await flag('first@example.test')).toBe(true);
    await addAdmin(t.prisma, cli, { email: 'chosen@example.test', password: PW });
    expect(await flag('chosen@example.test')).toBe(false);

    const self: Actor = { kind: 'admin', id: generated.admin.id, email: generated.admin.email, role: 'GLOBAL', domainIds: [] };
    await changeOwnPassword(t.prisma, self, { currentPassword: generated.generatedPassword!, newPassword: 'My-Own-Long-Passphrase-42' });
    expect(await flag('first@example.test')).toBe(false);
  });

  it('a reset with a generated password flags it again; a reset with a chosen one does not', async () => {
    const reset = await setAdminPassword(t.prisma, cli, { email: 'chosen@example.test' });
    expect(reset.generatedPassword).toBeTruthy();
    expect(await flag('chosen@example.test')).toBe(true);
    await setAdminPassword(t.prisma, cli, { email: 'chosen@example.test', password: 'Another-Long-Passphrase-7' });
    expect(await flag('chosen@example.test')).toBe(false);
  });
});
