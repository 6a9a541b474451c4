// The admin panel (the production build, as npm start serves it) with DATABASE_URL through
// Debian's PgBouncer in session mode: signing in (sessions, the brute-force counters), a page's
// queries and /api/health all reach Postgres through the pooler only.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startPgbouncer, type RunningPgbouncer } from '@/mail-daemon/testing/pgbouncer';
import { createAdmin, signInHttp, startNext, type RunningPanel } from '@/test/e2e';

let db: TestDatabase;
let bouncer: RunningPgbouncer;
let panel: RunningPanel;

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'panel-pool.test' });
  await createMailbox(db.prisma, SYSTEM, { address: 'carol@panel-pool.test', password: 'Panel-Pool-Password-3', quota: '1G' });
  bouncer = await startPgbouncer(db.url, 'session', { poolSize: 20 });
  // The build is shared with the browser tests (test/e2e/build.ts): the first file to need it waits for it.
  panel = await startNext(bouncer.url(db.url));
}, 600_000);

afterAll(async () => {
  await panel?.stop();
  await bouncer?.stop();
  await db?.drop();
});

it('the panel signs in, lists mailboxes and answers /api/health through PgBouncer', async () => {
  const admin = await createAdmin(db.prisma);
  const cookie = await signInHttp(panel.url, admin.email, admin.password);
  const page = await fetch(`${panel.url}/mailboxes`, { headers: { cookie } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('carol@panel-pool.test');
  // No daemon runs here, so 503 — with the answer of a database that was reached, not "unavailable".
  const health = await fetch(`${panel.url}/api/health`);
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: 'no mail daemon', alive: 0 });
});
