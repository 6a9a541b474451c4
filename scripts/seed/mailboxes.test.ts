import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { verifyPassword } from '@/lib/auth/password';
import { seedMailboxes } from './mailboxes';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('seedMailboxes', () => {
  it('creates the domains and mailboxes, keeps domain totals exact, and is re-runnable', async () => {
    const progress: number[] = [];
    const inserted = await seedMailboxes(t.prisma, t.url, {
      count: 2500,
      domains: 3,
      prefix: 'seedtest',
      password: 'Seed-Password-1',
      batch: 1000,
      onProgress: (done) => progress.push(done),
    });
    expect(inserted).toBe(2500);
    expect(progress).toEqual([1000, 2000, 2500]);
    expect(await t.prisma.domain.count()).toBe(3);
    expect(await t.prisma.mailbox.count()).toBe(2500);
    const one = await t.prisma.mailbox.findFirstOrThrow({ where: { address: 'alice.smith0@seedtest1.example' } });
    expect(one.displayName).toBe('Alice Smith');
    expect(await verifyPassword(one.passwordHash, 'Seed-Password-1')).toBe(true);
    expect(await t.prisma.auditLog.count({ where: { action: 'domain.add' } })).toBe(3);

    const again = await seedMailboxes(t.prisma, t.url, { count: 2500, domains: 3, prefix: 'seedtest', password: 'x' });
    expect(again).toBe(0);
    expect(await t.prisma.mailbox.count()).toBe(2500);
  });
});
