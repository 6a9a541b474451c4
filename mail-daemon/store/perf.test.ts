import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/test/helpers/db';
import { deliver } from './deliver';
import { createPgMailStore } from './pg-store';
import { createTestMailbox, testMessage } from './testing';

// Store throughput figures (not a pass/fail benchmark): STORE_PERF=1 npx vitest run mail-daemon/store/perf.test.ts
let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10, ...(process.env.STORE_PERF_NOSYNC ? { options: '-c synchronous_commit=off' } : {}) });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const N = 1000;
const rate = (n: number, ms: number) => `${Math.round((n * 1000) / ms)}/s`;

describe.skipIf(!process.env.STORE_PERF)('store throughput', () => {
  it('measures deliver, select, fetch, store, search', { timeout: 300_000 }, async () => {
    const { mailboxId } = await createTestMailbox(pool, 'perf@perf.test');
    const body = ('Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(3) + '\r\n').repeat(55);
    let t = performance.now();
    const msgs = Array.from({ length: N }, (_, i) => testMessage(`perf ${i}`, body));
    for (let i = 0; i < N / 2; i++) await deliver(pool, { raw: msgs[i], recipients: [{ mailboxId }] });
    const seq = performance.now() - t;
    t = performance.now();
    const queue = msgs.slice(N / 2);
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let m = queue.shift(); m; m = queue.shift()) await deliver(pool, { raw: m, recipients: [{ mailboxId }] });
    }));
    const par = performance.now() - t;
    const store = createPgMailStore({ pool });
    const session = await store.open(mailboxId);
    t = performance.now();
    const sel = await session.select('INBOX');
    const selMs = performance.now() - t;
    const time = async (f: () => Promise<unknown>) => { const s = performance.now(); await f(); return performance.now() - s; };
    const drain = async (it: AsyncIterable<unknown>) => { let n = 0; for await (const _ of it) n++; return n; };
    const env = await time(() => drain(sel.view.fetch([[1, N]], { flags: true, envelope: true, size: true, internalDate: true })));
    const hdr = await time(() => drain(sel.view.fetch([[1, N]], { sections: [{ part: [], specifier: 'HEADER.FIELDS', fields: ['subject', 'from', 'date'], peek: true }] })));
    const full = await time(() => drain(sel.view.fetch([[1, N]], { sections: [{ part: [], peek: true }] })));
    const flags = await time(() => sel.view.storeFlags([[1, N]], { op: 'add', flags: ['\\Seen'] }));
    const s1 = await time(() => sel.view.search({ op: 'flag', flag: '\\Seen', present: true }));
    const s2 = await time(() => sel.view.search({ op: 'body', value: 'perf 999' }));
    expect(sel.uids.length).toBe(N);
    console.log([
      `${body.length + 150} B messages, ${N} in one INBOX`,
      `deliver sequential: ${rate(N / 2, seq)}; 8 parallel: ${rate(N / 2, par)}`,
      `SELECT ${N}: ${selMs.toFixed(1)} ms`,
      `FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE INTERNALDATE): ${env.toFixed(0)} ms (${rate(N, env)})`,
      `FETCH 1:* BODY.PEEK[HEADER.FIELDS (...)]: ${hdr.toFixed(0)} ms (${rate(N, hdr)})`,
      `FETCH 1:* BODY.PEEK[]: ${full.toFixed(0)} ms (${rate(N, full)})`,
      `STORE 1:* +FLAGS \\Seen: ${flags.toFixed(0)} ms`,
      `SEARCH SEEN: ${s1.toFixed(1)} ms; SEARCH BODY: ${s2.toFixed(0)} ms`,
    ].join('\n'));
  });
});
