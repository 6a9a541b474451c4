// A search for `%`, `_` or `\` matches only those characters, in every
// service that builds a LIKE pattern (Prisma's contains/startsWith/endsWith escape
// nothing in Postgres; checked here against the real database).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAliases } from '@/lib/aliases/list-aliases';
import { listAudit } from '@/lib/audit/list-audit';
import { listMailboxes } from '@/lib/mailboxes/list-mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli = { kind: 'cli', user: 'test' } as const;

beforeAll(async () => {
  t = await createTestDatabase();
  const d = await t.prisma.domain.create({ data: { name: 'example.test' } });
  const box = (localPart: string, displayName: string) =>
    ({ domainId: d.id, localPart, address: `${localPart}@example.test`, passwordHash: 'x', quotaBytes: 0, displayName });
  await t.prisma.mailbox.createMany({
    data: [box('alice', 'Alice 100% real'), box('bob_smith', 'Bob'), box('carol', 'Carol \\ backslash'), box('dave', 'Dave')],
  });
  await t.prisma.alias.createMany({
    data: [
      { domainId: d.id, source: 'sales_team@example.test', destinations: ['alice@example.test'] },
      { domainId: d.id, source: 'info@example.test', destinations: ['bob_smith@example.test'] },
    ],
  });
  await t.prisma.auditLog.createMany({
    data: [
      { actor: 'cli', action: 'mailbox.create', target: 'bob_smith@example.test' },
      { actor: 'cli', action: 'mailbox.update', target: '100%@example.test' },
      { actor: 'cli', action: 'alias.create', target: 'info@example.test' },
    ],
  });
});
afterAll(() => t.drop());

describe('mailbox search', () => {
  it.each([
    ['%', ['alice@example.test']],
    ['_', ['bob_smith@example.test']],
    ['\\', ['carol@example.test']],
    ['b_s', ['bob_smith@example.test']],
    ['0%', ['alice@example.test']],
    ['a%e', []],
    ['_ob', []],
    ['dave', ['dave@example.test']],
  ])('%j matches %j', async (search, expected) => {
    const page = await listMailboxes(t.prisma, cli, { search });
    expect(page.rows.map((r) => r.address).sort()).toEqual(expected);
    expect(page.total).toBe(expected.length);
  });
});

describe('alias search', () => {
  it.each([
    ['%', []],
    ['_', ['sales_team@example.test']],
    ['s_t', ['sales_team@example.test']],
    ['info', ['info@example.test']],
  ])('%j matches %j', async (search, expected) => {
    expect((await listAliases(t.prisma, cli, { search })).rows.map((r) => r.source).sort()).toEqual(expected);
  });
});

describe('audit search', () => {
  it.each([
    [{ target: '%' }, ['100%@example.test']],
    [{ target: '_' }, ['bob_smith@example.test']],
    [{ target: 'INFO' }, ['info@example.test']],
    [{ action: '%' }, []],
    [{ action: 'mailbox_' }, []],
    [{ action: 'mailbox.' }, ['100%@example.test', 'bob_smith@example.test']],
  ])('%j matches %j', async (filter, expected) => {
    expect((await listAudit(t.prisma, cli, filter)).rows.map((r) => r.target).sort()).toEqual(expected);
  });
});
