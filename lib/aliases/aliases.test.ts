import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { createAlias, listAliases, removeAlias, updateAlias } from '@/lib/aliases';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
let da: Actor;
const PW = 'Strong-Password-1';

beforeAll(async () => {
  t = await createTestDatabase();
  const mine = await addDomain(t.prisma, cli, { name: 'mine.test' });
  await addDomain(t.prisma, cli, { name: 'theirs.test' });
  await createMailbox(t.prisma, cli, { address: 'alice@mine.test', password: PW });
  await createMailbox(t.prisma, cli, { address: 'bob@theirs.test', password: PW });
  const dash = await addDomain(t.prisma, cli, { name: 'dash.test' });
  await updatePolicy(t.prisma, cli, { domainId: dash.id, settings: { recipientDelimiter: '-' } });
  await createMailbox(t.prisma, cli, { address: 'carol@dash.test', password: PW });
  da = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000aa', email: 'da@mine.test', role: 'DOMAIN', domainIds: [mine.id] };
});
afterAll(() => t.drop());

describe('aliases', () => {
  it('creates with local and remote destinations, normalized', async () => {
    const a = await createAlias(t.prisma, cli, { source: 'Info@Mine.test', destinations: ['ALICE@mine.test', 'someone@Remote.example', 'alice@mine.test'] });
    expect(a).toMatchObject({ source: 'info@mine.test', catchAll: false, destinations: ['alice@mine.test', 'someone@remote.example'] });
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'alias.create' } });
    expect(row.after).toEqual({ destinations: ['alice@mine.test', 'someone@remote.example'], enabled: true });
  });

  it('creates a catch-all and accepts plus-tagged local destinations', async () => {
    const a = await createAlias(t.prisma, cli, { source: '@mine.test', destinations: ['alice+catchall@mine.test'] });
    expect(a.catchAll).toBe(true);
  });

  it.each([
    ['its own delimiter', 'carol-lists@dash.test', true],
    ['another delimiter', 'carol+lists@dash.test', false],
  ])('takes a subaddress in the destination domain’s delimiter (RFC 5233): %s', async (_, destination, accepted) => {
    const alias = createAlias(t.prisma, cli, { source: `to-${accepted}@dash.test`, destinations: [destination] });
    if (accepted) await expect(alias).resolves.toMatchObject({ destinations: [destination] });
    else await expect(alias).rejects.toMatchObject({ code: 'invalid', field: 'destinations' });
  });

  it('refuses unknown local destinations', async () => {
    await expect(createAlias(t.prisma, cli, { source: 'x@mine.test', destinations: ['ghost@mine.test'] })).rejects.toMatchObject({
      code: 'invalid',
      field: 'destinations',
      message: expect.stringMatching(/ghost@mine.test/),
    });
  });

  it('refuses self-forwarding and loops through other aliases', async () => {
    await expect(createAlias(t.prisma, cli, { source: 'self@mine.test', destinations: ['self@mine.test'] })).rejects.toMatchObject({ field: 'destinations' });
    await createAlias(t.prisma, cli, { source: 'a@mine.test', destinations: ['alice@mine.test'] });
    await createAlias(t.prisma, cli, { source: 'b@mine.test', destinations: ['a@mine.test'] });
    await expect(updateAlias(t.prisma, cli, { source: 'a@mine.test', destinations: ['b@mine.test'] })).rejects.toMatchObject({
      field: 'destinations',
      message: expect.stringMatching(/loop/),
    });
  });

  it('refuses a source that is a mailbox, a duplicate, and a non-local source', async () => {
    await expect(createAlias(t.prisma, cli, { source: 'alice@mine.test', destinations: ['bob@theirs.test'] })).rejects.toMatchObject({ code: 'conflict', field: 'source' });
    await expect(createAlias(t.prisma, cli, { source: 'INFO@mine.test', destinations: ['bob@theirs.test'] })).rejects.toMatchObject({ code: 'conflict', field: 'source' });
    await expect(createAlias(t.prisma, cli, { source: 'x@remote.example', destinations: ['alice@mine.test'] })).rejects.toMatchObject({ code: 'not_found', field: 'source' });
    await expect(createAlias(t.prisma, cli, { source: 'x@mine.test', destinations: [] })).rejects.toMatchObject({ field: 'destinations' });
  });

  it('lists, searches, updates and removes with audit', async () => {
    expect((await listAliases(t.prisma, cli, { search: 'remote.example' })).rows.map((a) => a.source)).toEqual([]); // destinations match exactly
    expect((await listAliases(t.prisma, cli, { search: 'someone@remote.example' })).rows.map((a) => a.source)).toEqual(['info@mine.test']);
    expect((await listAliases(t.prisma, cli, { search: 'inf' })).total).toBe(1);
    const u = await updateAlias(t.prisma, cli, { source: 'info@mine.test', destinations: ['bob@theirs.test'], enabled: false });
    expect(u).toMatchObject({ destinations: ['bob@theirs.test'], enabled: false });
    await removeAlias(t.prisma, cli, { source: 'info@mine.test' });
    expect(await t.prisma.auditLog.count({ where: { action: { in: ['alias.update', 'alias.remove'] }, target: 'info@mine.test' } })).toBe(2);
  });

  describe('a domain admin', () => {
    it('lists only its domains’ aliases', async () => {
      await createAlias(t.prisma, cli, { source: 'theirs@theirs.test', destinations: ['bob@theirs.test'] });
      const list = await listAliases(t.prisma, da);
      expect(list.rows.every((a) => a.domain === 'mine.test')).toBe(true);
      expect(list.total).toBeGreaterThan(0);
    });
    it('cannot create an alias in another domain', async () => {
      await expect(createAlias(t.prisma, da, { source: 'x@theirs.test', destinations: ['alice@mine.test'] })).rejects.toMatchObject({ code: 'forbidden', field: 'source' });
    });
    it('cannot update or remove another domain’s alias', async () => {
      await expect(updateAlias(t.prisma, da, { source: 'theirs@theirs.test', destinations: ['alice@mine.test'] })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(removeAlias(t.prisma, da, { source: 'theirs@theirs.test' })).rejects.toMatchObject({ code: 'forbidden' });
    });
    it('may forward its own alias to a remote address', async () => {
      expect((await createAlias(t.prisma, da, { source: 'fwd@mine.test', destinations: ['me@gmail.example'] })).source).toBe('fwd@mine.test');
    });
  });
});
