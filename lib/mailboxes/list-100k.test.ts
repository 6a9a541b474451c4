import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { listMailboxes } from '@/lib/mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// The panel's mailbox list at 100,000 mailboxes: correct results for search, deep pages
// and every sort, and the search statement listMailboxes really sends is planned on the
// trigram index. Timings are only logged here; speed is measured in bench/.
let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'bench' };
const N = 100_000;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.prisma.$executeRawUnsafe(`
    INSERT INTO domains (id, name) SELECT gen_random_uuid(), 'd' || i || '.test' FROM generate_series(0, 9) i;
    INSERT INTO mailboxes (id, domain_id, local_part, address, display_name, password_hash, quota_bytes, used_bytes)
    SELECT gen_random_uuid(), d.id, 'user' || lpad(i::text, 6, '0'), 'user' || lpad(i::text, 6, '0') || '@' || d.name,
           'Person ' || i, 'x', 1073741824, (i * 7919) % 1000000
      FROM generate_series(0, ${N - 1}) i JOIN domains d ON d.name = 'd' || (i % 10) || '.test';
    ANALYZE mailboxes;`);
}, 120_000);
afterAll(() => t.drop());

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

describe(`listMailboxes at ${N} mailboxes`, () => {
  it('finds one mailbox by a fragment of its address or name', async () => {
    await listMailboxes(t.prisma, cli, { search: 'warm-up' });
    const a = await timed(() => listMailboxes(t.prisma, cli, { search: 'user04217' }));
    expect(a.value.rows.map((r) => r.address)).toEqual(['user042170@d0.test', 'user042171@d1.test', 'user042172@d2.test', 'user042173@d3.test', 'user042174@d4.test', 'user042175@d5.test', 'user042176@d6.test', 'user042177@d7.test', 'user042178@d8.test', 'user042179@d9.test']);
    const b = await timed(() => listMailboxes(t.prisma, cli, { search: 'person 99999' }));
    expect(b.value.total).toBe(1);
    console.log(`search address ${a.ms.toFixed(1)} ms, search name ${b.ms.toFixed(1)} ms`);
  });

  it('pages deep and sorts on every column', async () => {
    for (const input of [
      { page: 1 },
      { page: 1000, pageSize: 50 },
      { sort: 'createdAt' as const, order: 'desc' as const, page: 500 },
      { sort: 'usedBytes' as const, order: 'desc' as const },
      { domain: 'd3.test', page: 100 },
    ]) {
      const r = await timed(() => listMailboxes(t.prisma, cli, input));
      console.log(`${JSON.stringify(input)}: ${r.ms.toFixed(1)} ms, total ${r.value.total}`);
      expect(r.value.rows.length).toBeGreaterThan(0);
    }
  });

  it('uses the trigram index for "contains" search, in the count listMailboxes sends', async () => {
    // A second client on the same database that logs its SQL, so the plan checked is that of
    // the real statement (with its real parameters), not a hand-written copy of it. The count
    // must visit every match, so it is the statement that needs the index. The page statement
    // (ORDER BY address LIMIT 50) may instead walk the address btree and filter, depending on
    // ANALYZE's sample; that choice is the planner's, and its cost is for bench/ to measure.
    const sent: { query: string; params: unknown[] }[] = [];
    const logging = new PrismaClient({ adapter: new PrismaPg({ connectionString: t.url, max: 2 }), log: [{ emit: 'event', level: 'query' }] });
    logging.$on('query', (e) => sent.push({ query: e.query, params: JSON.parse(e.params) as unknown[] }));
    try {
      await listMailboxes(logging, cli, { search: 'user04217' });
    } finally {
      await logging.$disconnect();
    }
    const count = sent.find((q) => /^\s*SELECT\b/i.test(q.query) && /LIKE/i.test(q.query) && /COUNT\(/i.test(q.query));
    expect(count, sent.map((q) => q.query).join('\n')).toBeDefined();
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      const plan = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${count!.query}`, count!.params);
      expect(plan.rows.map((p) => p['QUERY PLAN']).join('\n')).toMatch(/mailboxes_address_trgm_idx/);
    } finally {
      await c.end();
    }
  });
});
