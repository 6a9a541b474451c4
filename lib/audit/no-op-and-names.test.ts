import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { audit, auditMany, listAudit } from '@/lib/audit';
import { createAlias, updateAlias } from '@/lib/aliases';
import { createCa } from '@/lib/certificates/create-ca';
import { issueServerCertificate } from '@/lib/certificates/issue-server-certificate';
import { addDomain } from '@/lib/domains';
import { createMailbox, updateMailbox } from '@/lib/mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
const count = (action: string) => t.prisma.auditLog.count({ where: { action } });

beforeAll(async () => {
  t = await createTestDatabase();
  await addDomain(t.prisma, cli, { name: 'names.test' });
  await createMailbox(t.prisma, cli, { address: 'a@names.test', password: 'Strong-Password-1', quota: '1G' });
});
afterAll(() => t.drop());

describe('a save that changed nothing', () => {
  it('is not written; a real change is', async () => {
    await updateMailbox(t.prisma, cli, { address: 'a@names.test', quota: '1G' });
    expect(await count('mailbox.update')).toBe(0);
    await updateMailbox(t.prisma, cli, { address: 'a@names.test', quota: '2G' });
    expect(await count('mailbox.update')).toBe(1);

    await createAlias(t.prisma, cli, { source: 'sales@names.test', destinations: ['a@names.test'] });
    await updateAlias(t.prisma, cli, { source: 'sales@names.test', destinations: ['a@names.test'] });
    expect(await count('alias.update')).toBe(0);
  });

  it('compares values, not the order their keys were written in', async () => {
    await audit(t.prisma, cli, 'test.same', 'x', { a: 1, b: { c: [1, 2], d: null } }, { b: { d: null, c: [1, 2] }, a: 1 });
    expect(await count('test.same')).toBe(0);
    await audit(t.prisma, cli, 'test.same', 'x', { a: 1, n: BigInt(5) }, { a: 1, n: 5 });
    expect(await count('test.same')).toBe(0);
    // Array order is meaning, not notation.
    await audit(t.prisma, cli, 'test.order', 'x', { list: [1, 2] }, { list: [2, 1] });
    expect(await count('test.order')).toBe(1);
  });

  it('events without before/after, creations and removals are always written', async () => {
    await audit(t.prisma, cli, 'test.event', 'x');
    await audit(t.prisma, cli, 'test.create', 'x', undefined, { a: 1 });
    await audit(t.prisma, cli, 'test.remove', 'x', { a: 1 }, undefined);
    expect(await Promise.all(['test.event', 'test.create', 'test.remove'].map(count))).toEqual([1, 1, 1]);
    await auditMany(t.prisma, cli, [
      { action: 'test.many', target: 'x', before: { a: 1 }, after: { a: 1 } },
      { action: 'test.many', target: 'y', before: { a: 1 }, after: { a: 2 } },
    ]);
    expect(await t.prisma.auditLog.findMany({ where: { action: 'test.many' }, select: { target: true } })).toEqual([{ target: 'y' }]);
  });
});

describe('target names', () => {
  it('rows naming a certificate, a CA, an admin or a domain by id show its hosts, name or email', async () => {
    const ca = await createCa(t.prisma, cli, { commonName: 'Names CA' });
    const cert = await issueServerCertificate(t.prisma, cli, { hosts: ['mail.names.test', 'imap.names.test'], caId: ca.id });
    const admin = await t.prisma.admin.create({ data: { email: 'root@names.test', passwordHash: 'x' }, select: { id: true } });
    const domain = await t.prisma.domain.findUniqueOrThrow({ where: { name: 'names.test' }, select: { id: true } });
    await audit(t.prisma, cli, 'test.admin', admin.id, undefined, { role: 'GLOBAL' });
    await audit(t.prisma, cli, 'test.domain', domain.id, undefined, { enabled: true });
    await audit(t.prisma, cli, 'test.gone', '00000000-0000-4000-8000-000000000000', undefined, { x: 1 });
    const { rows } = await listAudit(t.prisma, cli, { limit: 100 });
    const byAction = (a: string) => rows.find((r) => r.action === a)!;
    expect(byAction('certificate.issue')).toMatchObject({ target: cert.id, targetName: 'mail.names.test, imap.names.test' });
    expect(byAction('ca.create')).toMatchObject({ target: ca.id, targetName: 'Names CA' });
    expect(byAction('test.admin').targetName).toBe('root@names.test');
    expect(byAction('test.domain').targetName).toBe('names.test');
    // Removed since: the id stays, unnamed; a target that is a name already is left alone.
    expect(byAction('test.gone').targetName).toBeNull();
    expect(byAction('domain.add')).toMatchObject({ target: 'names.test', targetName: null });
    // "Target contains" finds rows by the name too.
    const found = await listAudit(t.prisma, cli, { target: 'IMAP.names' });
    expect(found.rows.map((r) => r.action)).toContain('certificate.issue');
    expect((await listAudit(t.prisma, cli, { target: 'root@names' })).rows.map((r) => r.action)).toEqual(['test.admin']);
  });
});
