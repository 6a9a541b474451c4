import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { listAudit } from '@/lib/audit';
import { addDomain } from '@/lib/domains';
import { createMailbox, updateMailbox } from '@/lib/mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'tester' };
let da: Actor;

beforeAll(async () => {
  t = await createTestDatabase();
  const mine = await addDomain(t.prisma, cli, { name: 'mine.test' });
  await addDomain(t.prisma, cli, { name: 'theirs.test' });
  await createMailbox(t.prisma, cli, { address: 'a@mine.test', password: 'Strong-Password-1' });
  await createMailbox(t.prisma, cli, { address: 'b@theirs.test', password: 'Strong-Password-1' });
  await updateMailbox(t.prisma, cli, { address: 'a@mine.test', quota: '2G' });
  da = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000aa', email: 'da@mine.test', role: 'DOMAIN', domainIds: [mine.id] };
});
afterAll(() => t.drop());

describe('listAudit', () => {
  it('newest first, filtered by action prefix, actor and target', async () => {
    const all = await listAudit(t.prisma, cli);
    expect(all.rows.map((r) => r.action)).toEqual(['mailbox.update', 'mailbox.create', 'mailbox.create', 'domain.add', 'domain.add']);
    expect((await listAudit(t.prisma, cli, { action: 'mailbox.' })).rows).toHaveLength(3);
    expect((await listAudit(t.prisma, cli, { target: 'THEIRS' })).rows.map((r) => r.target)).toEqual(['b@theirs.test', 'theirs.test']);
    expect((await listAudit(t.prisma, cli, { actor: 'someone' })).rows).toHaveLength(0);
  });

  it('keyset pages', async () => {
    const p1 = await listAudit(t.prisma, cli, { limit: 2 });
    expect(p1.next).not.toBeNull();
    const p2 = await listAudit(t.prisma, cli, { limit: 2, before: p1.next! });
    const p3 = await listAudit(t.prisma, cli, { limit: 2, before: p2.next! });
    expect([...p1.rows, ...p2.rows, ...p3.rows].map((r) => r.id)).toEqual((await listAudit(t.prisma, cli)).rows.map((r) => r.id));
    expect(p3.next).toBeNull();
  });

  it('a domain admin sees only its domains’ rows', async () => {
    const rows = (await listAudit(t.prisma, da)).rows;
    expect(rows.map((r) => r.target)).toEqual(['a@mine.test', 'a@mine.test', 'mine.test']);
  });
});
