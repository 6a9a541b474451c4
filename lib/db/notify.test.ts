// The LISTEN connection against real faults: terminated by the server, it reconnects, says
// { reconnected: true } on every channel (anything may have changed meanwhile) and hears NOTIFY
// again; a channel asked for while the connection is down is LISTENed on by the reconnect
// instead of failing the caller.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { CHANNELS } from './channels';
import { notify, NotifyBus } from './notify';

let db: TestDatabase;
let bus: NotifyBus;
const errors: Error[] = [];

async function sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

/** The next payload on `channel` that `pred` accepts. */
function next(channel: (typeof CHANNELS)[keyof typeof CHANNELS], pred: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${channel}`)), 15_000);
    const on = (p: Record<string, unknown>) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      bus.off(channel, on);
      resolve(p);
    };
    bus.on(channel, on);
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  bus = new NotifyBus(db.url, (err) => errors.push(err));
  await bus.start();
  await bus.listen(CHANNELS.mailstore, () => {});
});
afterAll(async () => {
  await bus?.close();
  await db?.drop();
});

const terminateListener = () =>
  sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`);

it('terminated by the server, it reconnects, says so on every channel and hears NOTIFY again', async () => {
  const reconnected = next(CHANNELS.mailstore, (p) => p.reconnected === true);
  expect((await terminateListener()).rowCount).toBe(1);
  await reconnected;
  expect(errors.length).toBeGreaterThan(0);
  const heard = next(CHANNELS.mailstore, (p) => p.n === 1);
  await notify({ query: (text, params) => sql(text, params) }, CHANNELS.mailstore, { n: 1 });
  await heard;
});

it('a channel asked for while the connection is lost is LISTENed on by the reconnect', async () => {
  const reconnected = next(CHANNELS.mailstore, (p) => p.reconnected === true);
  // The LISTEN connection terminates itself: its statement fails with 57P01 before the
  // connection's own 'error' (its end) is heard, so the LISTEN below is sent on a dead one.
  const listener = (bus as unknown as { client: pg.Client }).client;
  await expect(listener.query('SELECT pg_terminate_backend(pg_backend_pid())')).rejects.toMatchObject({ code: '57P01' });
  await bus.listen(CHANNELS.policy, () => {});
  await reconnected;
  const heard = next(CHANNELS.policy, (p) => p.n === 2);
  await notify({ query: (text, params) => sql(text, params) }, CHANNELS.policy, { n: 2 });
  await heard;
});
