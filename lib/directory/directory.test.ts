import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { createAlias } from '@/lib/aliases';
import { addDomain, setDomainEnabled } from '@/lib/domains';
import { allowedSenders, isLocalDomain, ownsAddress, resolveRecipient } from '@/lib/directory';
import { createMailbox, updateMailbox } from '@/lib/mailboxes';
import { DEFAULT_POLICY } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
const PW = 'Strong-Password-1';
const ids: Record<string, string> = {};
const resolve = (a: string, opts?: { messageBytes?: number }, delimiter = DEFAULT_POLICY.recipientDelimiter) =>
  resolveRecipient(t.prisma, a, () => delimiter, opts);

beforeAll(async () => {
  t = await createTestDatabase();
  await addDomain(t.prisma, cli, { name: 'example.test' });
  await addDomain(t.prisma, cli, { name: 'münchen.test' });
  await addDomain(t.prisma, cli, { name: 'off.test' });
  for (const a of ['alice@example.test', 'bob@example.test', 'full@example.test', 'dis@example.test', 'carol@xn--mnchen-3ya.test', 'x@off.test']) {
    ids[a] = (await createMailbox(t.prisma, cli, { address: a, password: PW, quota: '1M' })).mailbox.id;
  }
  await t.prisma.mailbox.update({ where: { id: ids['full@example.test'] }, data: { usedBytes: 1024 * 1024 } });
  await t.prisma.mailbox.update({ where: { id: ids['alice@example.test'] }, data: { usedBytes: 1000 } });
  await updateMailbox(t.prisma, cli, { address: 'dis@example.test', enabled: false });
  await setDomainEnabled(t.prisma, cli, { name: 'off.test', enabled: false });
  await createAlias(t.prisma, cli, { source: 'team@example.test', destinations: ['alice@example.test', 'bob@example.test', 'partner@remote.example'] });
  await createAlias(t.prisma, cli, { source: 'all@example.test', destinations: ['team@example.test', 'carol@münchen.test', 'alice@example.test'] });
  await createAlias(t.prisma, cli, { source: 'gone@example.test', destinations: ['dis@example.test', 'full@example.test'] });
  await createAlias(t.prisma, cli, { source: 'dead@example.test', destinations: ['dis@example.test'] });
  await createAlias(t.prisma, cli, { source: '@xn--mnchen-3ya.test', destinations: ['carol@xn--mnchen-3ya.test'] });
  // An alias that shadows plus-addressing: "sales+x" is an alias of its own.
  await createAlias(t.prisma, cli, { source: 'bob+vip@example.test', destinations: ['alice@example.test'] });
});
afterAll(() => t.drop());

const addrs = (r: Awaited<ReturnType<typeof resolveRecipient>>) => (r.status === 'ok' ? r.mailboxes.map((m) => m.address).sort() : r.status);

describe('resolveRecipient', () => {
  it('a mailbox, case-insensitively', async () => {
    expect(await resolve('Alice@EXAMPLE.test')).toEqual({ status: 'ok', mailboxes: [{ id: ids['alice@example.test'], address: 'alice@example.test', domainId: expect.any(String), away: false }], remote: [], skipped: [] });
  });
  it('an alias to several local and remote destinations', async () => {
    const r = await resolve('team@example.test');
    expect(addrs(r)).toEqual(['alice@example.test', 'bob@example.test']);
    expect(r.status === 'ok' && r.remote).toEqual(['partner@remote.example']);
  });
  it('nested aliases, deduplicated, IDN destinations', async () => {
    expect(addrs(await resolve('all@example.test'))).toEqual(['alice@example.test', 'bob@example.test', 'carol@xn--mnchen-3ya.test']);
  });
  it('plus-addressing with the policy delimiter, and not when it is off', async () => {
    expect(addrs(await resolve('alice+news@example.test'))).toEqual(['alice@example.test']);
    expect(addrs(await resolve('team+x@example.test'))).toEqual(['alice@example.test', 'bob@example.test']);
    expect(await resolve('alice+news@example.test', {}, '')).toEqual({ status: 'unknown' });
    expect(addrs(await resolve('alice-news@example.test', {}, '-'))).toEqual(['alice@example.test']);
  });
  it('an exact alias wins over plus-addressing', async () => {
    expect(addrs(await resolve('bob+vip@example.test'))).toEqual(['alice@example.test']);
  });
  it('catch-all for unknown local parts, IDN domain given in Unicode', async () => {
    expect(addrs(await resolve('anything@MÜNCHEN.test'))).toEqual(['carol@xn--mnchen-3ya.test']);
  });
  it('unknown → 5.1.1, disabled → 5.2.1, over quota → 4.2.2, not local', async () => {
    expect(await resolve('nobody@example.test')).toEqual({ status: 'unknown' });
    expect(await resolve('dis@example.test')).toEqual({ status: 'disabled' });
    expect(await resolve('dead@example.test')).toEqual({ status: 'disabled' });
    expect(await resolve('x@off.test')).toEqual({ status: 'disabled' });
    expect(await resolve('full@example.test')).toEqual({ status: 'over_quota' });
    expect(await resolve('gone@example.test')).toEqual({ status: 'over_quota' });
    expect(await resolve('someone@remote.example')).toEqual({ status: 'not_local' });
    expect(await resolve('not an address')).toEqual({ status: 'unknown' });
  });
  it('counts the message size against the quota', async () => {
    expect((await resolve('alice@example.test', { messageBytes: 1024 * 1024 - 1000 })).status).toBe('ok');
    expect(await resolve('alice@example.test', { messageBytes: 1024 * 1024 })).toEqual({ status: 'over_quota' });
  });
  it('delivers to the reachable part of an alias and reports the rest', async () => {
    await createAlias(t.prisma, cli, { source: 'mixed@example.test', destinations: ['bob@example.test', 'full@example.test'] });
    const r = await resolve('mixed@example.test');
    expect(addrs(r)).toEqual(['bob@example.test']);
    expect(r.status === 'ok' && r.skipped).toEqual([{ address: 'full@example.test', state: 'over_quota' }]);
  });
  it('stops on a loop written behind the services’ back', async () => {
    await t.prisma.alias.create({ data: { source: 'l1@example.test', domainId: (await t.prisma.domain.findFirstOrThrow({ where: { name: 'example.test' } })).id, destinations: ['l1@example.test', 'bob@example.test'] } });
    expect(addrs(await resolve('l1@example.test'))).toEqual(['bob@example.test']);
  });
});

describe('isLocalDomain and allowedSenders', () => {
  it('knows its domains in any spelling', async () => {
    expect(await isLocalDomain(t.prisma, 'EXAMPLE.test')).toBe(true);
    expect(await isLocalDomain(t.prisma, 'münchen.test')).toBe(true);
    expect(await isLocalDomain(t.prisma, 'off.test')).toBe(true);
    expect(await isLocalDomain(t.prisma, 'remote.example')).toBe(false);
    expect(await isLocalDomain(t.prisma, 'bad domain')).toBe(false);
  });
  it('lists a mailbox’s own address and the aliases delivering to it', async () => {
    expect((await allowedSenders(t.prisma, 'alice@example.test')).sort()).toEqual(['alice@example.test', 'all@example.test', 'bob+vip@example.test', 'team@example.test']);
  });
});

describe('ownsAddress', () => {
  const owns = (address: string, delimiter = '+', mailbox = 'alice@example.test') =>
    ownsAddress(t.prisma, { address: mailbox, domainId: 'unused' }, address, () => delimiter);

  it.each([
    ['alice@example.test', '+', true],
    ['Alice@EXAMPLE.test', '+', true],
    ['alice+news@example.test', '+', true],
    ['alice-news@example.test', '-', true],
    ['alice-news@example.test', '+', false],
    ['alice+news@example.test', '', false], // subaddressing off
    ['team@example.test', '+', true], // an alias delivering to alice
    ['team+x@example.test', '+', true],
    ['bob+vip@example.test', '+', true], // an alias whose source is itself subaddressed
    ['bob@example.test', '+', false],
    ['+alice@example.test', '+', false],
    ['alice@remote.example', '+', false],
    ['alice', '+', false],
    ['', '+', false],
  ] as const)('%j with delimiter %j → %s', async (address, delimiter, want) => {
    expect(await owns(address, delimiter)).toBe(want);
  });

  it('asks for the delimiter of the mailbox’s own domain, and only when the exact address is not its own', async () => {
    const asked: string[] = [];
    const delimiterFor = (id: string) => (asked.push(id), '+');
    const mailbox = { address: 'alice@example.test', domainId: 'dom-1' };
    expect(await ownsAddress(t.prisma, mailbox, 'alice@example.test', delimiterFor)).toBe(true);
    expect(await ownsAddress(t.prisma, mailbox, 'alice+x@example.test', delimiterFor)).toBe(true);
    expect(asked).toEqual(['dom-1']);
  });
});
