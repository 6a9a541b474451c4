import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { addDomain, listDomains, removeDomain, setDomainEnabled } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createAlias } from '@/lib/aliases';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
let domainAdmin: Actor;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('domains', () => {
  it('adds IDN names in canonical form and audits', async () => {
    const d = await addDomain(t.prisma, cli, { name: 'Bücher.Example' });
    expect(d.name).toBe('xn--bcher-kva.example');
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'domain.add' } });
    expect(row).toMatchObject({ actor: 'cli:tester', target: 'xn--bcher-kva.example', after: { name: 'xn--bcher-kva.example', enabled: true } });
  });

  it('a duplicate (in any spelling) is a field conflict', async () => {
    await expect(addDomain(t.prisma, cli, { name: 'BÜCHER.example.' })).rejects.toMatchObject({ code: 'conflict', field: 'name' });
  });

  it('bad names are invalid on the name field', async () => {
    await expect(addDomain(t.prisma, cli, { name: 'not a domain' })).rejects.toMatchObject({ code: 'invalid', field: 'name' });
  });

  it('lists with mailbox and alias counts', async () => {
    const d = await addDomain(t.prisma, cli, { name: 'example.test' });
    await createMailbox(t.prisma, cli, { address: 'a@example.test', password: 'Strong-Password-1' });
    await createMailbox(t.prisma, cli, { address: 'b@example.test', password: 'Strong-Password-1' });
    await createAlias(t.prisma, cli, { source: 'info@example.test', destinations: ['a@example.test'] });
    const list = await listDomains(t.prisma, cli);
    expect(list.map((x) => x.name)).toEqual(['example.test', 'xn--bcher-kva.example']);
    expect(list[0]).toMatchObject({ id: d.id, mailboxCount: 2, aliasCount: 1, usedBytes: 0, enabled: true });
  });

  it('refuses to remove a domain with mailboxes unless forced', async () => {
    await expect(removeDomain(t.prisma, cli, { name: 'example.test' })).rejects.toMatchObject({ code: 'conflict', field: 'name' });
    expect(await removeDomain(t.prisma, cli, { name: 'example.test', force: true })).toEqual({ removedMailboxes: 2 });
    expect(await t.prisma.mailbox.count()).toBe(0);
    expect(await t.prisma.alias.count()).toBe(0);
    await expect(removeDomain(t.prisma, cli, { name: 'example.test' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('enables and disables', async () => {
    await setDomainEnabled(t.prisma, cli, { name: 'bücher.example', enabled: false });
    expect((await listDomains(t.prisma, cli))[0].enabled).toBe(false);
    const rows = await t.prisma.auditLog.findMany({ where: { action: 'domain.disable' } });
    expect(rows[0]).toMatchObject({ before: { enabled: true }, after: { enabled: false } });
  });

  describe('a domain admin', () => {
    beforeAll(async () => {
      const mine = await addDomain(t.prisma, cli, { name: 'mine.test' });
      await addDomain(t.prisma, cli, { name: 'theirs.test' });
      domainAdmin = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000aa', email: 'da@mine.test', role: 'DOMAIN', domainIds: [mine.id] };
    });
    it('lists only its domains', async () => {
      expect((await listDomains(t.prisma, domainAdmin)).map((d) => d.name)).toEqual(['mine.test']);
    });
    it('cannot add domains', async () => {
      await expect(addDomain(t.prisma, domainAdmin, { name: 'new.test' })).rejects.toMatchObject({ code: 'forbidden' });
    });
    it('cannot remove domains, not even its own', async () => {
      await expect(removeDomain(t.prisma, domainAdmin, { name: 'mine.test' })).rejects.toMatchObject({ code: 'forbidden' });
    });
    it('cannot disable domains', async () => {
      await expect(setDomainEnabled(t.prisma, domainAdmin, { name: 'theirs.test', enabled: false })).rejects.toMatchObject({ code: 'forbidden' });
    });
  });
});
