import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { addAdmin, changeOwnPassword, listAdmins, removeAdmin, setAdminPassword, updateAdmin } from '@/lib/admins';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { addDomain } from '@/lib/domains';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
let root: Actor;
let da: Actor;
const PW = 'Strong-Password-1';

beforeAll(async () => {
  t = await createTestDatabase();
  await addDomain(t.prisma, cli, { name: 'mine.test' });
  await addDomain(t.prisma, cli, { name: 'other.test' });
});
afterAll(() => t.drop());

describe('admins', () => {
  it('adds a global admin and a domain admin scoped to domains', async () => {
    const g = await addAdmin(t.prisma, cli, { email: 'Root@Example.test', password: PW });
    expect(g.admin).toMatchObject({ email: 'root@example.test', role: 'GLOBAL', domains: [] });
    root = { kind: 'admin', id: g.admin.id, email: g.admin.email, role: 'GLOBAL', domainIds: [] };
    const d = await addAdmin(t.prisma, root, { email: 'da@mine.test', role: 'domain', domains: ['MINE.test'] });
    expect(d.admin).toMatchObject({ role: 'DOMAIN', domains: ['mine.test'] });
    expect(d.generatedPassword).toHaveLength(20);
    const login = await verifyAdminLogin(t.prisma, { email: 'da@mine.test', password: d.generatedPassword!, ip: '127.0.0.1' });
    expect(login.ok && login.admin.domainIds).toHaveLength(1);
    da = { kind: 'admin', id: d.admin.id, email: 'da@mine.test', role: 'DOMAIN', domainIds: login.ok ? login.admin.domainIds : [] };
    expect(await t.prisma.auditLog.count({ where: { action: 'admin.add' } })).toBe(2);
  });

  it('validates role, domains, email and duplicates by field', async () => {
    await expect(addAdmin(t.prisma, cli, { email: 'x@y.test', password: PW, role: 'domain' })).rejects.toMatchObject({ field: 'domains' });
    await expect(addAdmin(t.prisma, cli, { email: 'x@y.test', password: PW, role: 'domain', domains: ['nope.test'] })).rejects.toMatchObject({ code: 'not_found', field: 'domains' });
    await expect(addAdmin(t.prisma, cli, { email: 'x@y.test', password: PW, role: 'boss' as never })).rejects.toMatchObject({ field: 'role' });
    await expect(addAdmin(t.prisma, cli, { email: 'not-an-email', password: PW })).rejects.toMatchObject({ field: 'email' });
    await expect(addAdmin(t.prisma, cli, { email: 'ROOT@example.test', password: PW })).rejects.toMatchObject({ code: 'conflict', field: 'email' });
  });

  it('a domain admin cannot create admins', async () => {
    await expect(addAdmin(t.prisma, da, { email: 'n@mine.test', password: PW, role: 'domain', domains: ['mine.test'] })).rejects.toMatchObject({ code: 'forbidden' });
  });
  it('a domain admin cannot touch a global admin', async () => {
    await expect(removeAdmin(t.prisma, da, { email: 'root@example.test' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(updateAdmin(t.prisma, da, { email: 'root@example.test', role: 'domain', domains: ['mine.test'] })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(setAdminPassword(t.prisma, da, { email: 'root@example.test', password: PW })).rejects.toMatchObject({ code: 'forbidden' });
  });
  it('a domain admin cannot widen its own scope', async () => {
    await expect(updateAdmin(t.prisma, da, { email: 'da@mine.test', role: 'domain', domains: ['mine.test', 'other.test'] })).rejects.toMatchObject({ code: 'forbidden' });
  });
  it('a domain admin lists only itself', async () => {
    expect((await listAdmins(t.prisma, da)).map((a) => a.email)).toEqual(['da@mine.test']);
    expect((await listAdmins(t.prisma, root)).map((a) => a.email)).toEqual(['da@mine.test', 'root@example.test']);
  });

  it('changes scope, audited before/after', async () => {
    const a = await updateAdmin(t.prisma, root, { email: 'da@mine.test', role: 'domain', domains: ['mine.test', 'other.test'] });
    expect(a.domains).toEqual(['mine.test', 'other.test']);
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'admin.update' } });
    expect(row.before).toMatchObject({ domains: ['mine.test'] });
  });

  it('changes own password only with the current one', async () => {
    await expect(changeOwnPassword(t.prisma, root, { currentPassword: 'wrong', newPassword: 'Another-Password-2' })).rejects.toMatchObject({ field: 'currentPassword' });
    await expect(changeOwnPassword(t.prisma, root, { currentPassword: PW, newPassword: 'short' })).rejects.toMatchObject({ field: 'newPassword' });
    await changeOwnPassword(t.prisma, root, { currentPassword: PW, newPassword: 'Another-Password-2' });
    expect((await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: 'Another-Password-2', ip: '127.0.0.9' })).ok).toBe(true);
  });

  it('never removes yourself or the last global admin', async () => {
    await expect(removeAdmin(t.prisma, root, { email: 'root@example.test' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(removeAdmin(t.prisma, cli, { email: 'root@example.test' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(updateAdmin(t.prisma, cli, { email: 'root@example.test', role: 'domain', domains: ['mine.test'] })).rejects.toMatchObject({ code: 'conflict' });
    await removeAdmin(t.prisma, root, { email: 'da@mine.test' });
    expect((await listAdmins(t.prisma, root)).map((a) => a.email)).toEqual(['root@example.test']);
  });
});
