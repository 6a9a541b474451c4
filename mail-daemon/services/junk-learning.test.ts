// The whole path through the real daemon process: a user moves a message into Junk with
// imapflow, the daemon records the judgement and its learner teaches Debian's rspamd; moving
// it back teaches ham. A second daemon on the same database never learns a judgement twice.
// Then the service alone, in this process: without rspamd, and with rspamd unreachable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { readEnv } from '@/lib/config/env';
import { CHANNELS } from '@/lib/db/channels';
import { notify, NotifyBus } from '@/lib/db/notify';
import { createLogger } from '@/lib/log';
import { freePort } from '@/lib/postgres/embedded';
import type { DaemonContext } from '@/mail-daemon/context';
import { deliver } from '@/mail-daemon/store';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startRspamd, type TestRspamd } from '@/mail-daemon/testing/rspamd';
import { junkLearningService } from './junk-learning';

const PASSWORD = 'Junk-Learning-Password-3';
let db: TestDatabase;
let pool: pg.Pool;
let rspamd: TestRspamd;
const daemons: DaemonProcess[] = [];
const dirs: string[] = [];
let imapsPort = 0;
let mailboxId = '';

async function daemon(env: Record<string, string>): Promise<DaemonProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-junk-'));
  dirs.push(dir);
  const d = await spawnDaemon(db.url, dir, env);
  daemons.push(d);
  return d;
}

beforeAll(async () => {
  [db, rspamd] = await Promise.all([createTestDatabase(), startRspamd()]);
  pool = db.pool();
  await addDomain(db.prisma, SYSTEM, { name: 'junk.test' });
  const m = await createMailbox(db.prisma, SYSTEM, { address: 'reader@junk.test', password: PASSWORD, quota: '1G' });
  mailboxId = m.mailbox.id;
  imapsPort = await freePort();
  const withRspamd = { POSTERN_RSPAMD_URL: rspamd.url, POSTERN_RSPAMD_PASSWORD: rspamd.password };
  await daemon({ ...withRspamd, POSTERN_IMAPS_PORT: String(imapsPort) });
  await daemon(withRspamd);
});

afterAll(async () => {
  for (const d of daemons) d.child.kill('SIGTERM');
  for (const d of daemons) await d.exited;
  await rspamd?.stop();
  await pool?.end();
  await db?.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The learner has no event of its own to await from outside the process: look at its rows. */
async function learnt(count: number): Promise<{ verdict: string; learned_at: Date | null; attempts: number }[]> {
  for (let i = 0; i < 200; i++) {
    const r = await pool.query(`SELECT verdict, learned_at, attempts FROM junk_training ORDER BY id`);
    if (r.rows.length >= count && r.rows.every((x) => x.learned_at)) return r.rows;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('judgements not learnt in time');
}

async function move(c: ImapFlow, from: string, to: string): Promise<void> {
  const lock = await c.getMailboxLock(from);
  try {
    expect(await c.messageMove('1:*', to)).toBeTruthy();
  } finally {
    lock.release();
  }
}

it('a message moved into Junk is learnt as spam, moved back it is learnt as ham, each once', async () => {
  await deliver(pool, { raw: testMessage('Prize draw', 'You won a prize draw, claim your lottery winnings now.\r\n'), recipients: [{ mailboxId }] });
  const client = new ImapFlow({ host: '127.0.0.1', port: imapsPort, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'reader@junk.test', pass: PASSWORD }, logger: false });
  await client.connect();
  const before = await rspamd.stat();

  await move(client, 'INBOX', 'Junk');
  expect(await learnt(1)).toEqual([{ verdict: 'spam', learned_at: expect.any(Date), attempts: 1 }]);
  const afterSpam = await rspamd.stat();
  expect(afterSpam.learned).toBe(before.learned + 1);

  await move(client, 'Junk', 'INBOX');
  expect((await learnt(2)).map((r) => [r.verdict, r.attempts])).toEqual([['spam', 1], ['ham', 1]]);
  const afterHam = await rspamd.stat();
  expect(afterHam.learned).toBe(before.learned + 2);
  const revisions = Object.fromEntries(afterHam.statfiles.map((f) => [f.symbol, f.revision]));
  expect(revisions.BAYES_HAM).toBeGreaterThanOrEqual(1);
  await client.logout();
});

it('both daemons stop cleanly with the learner running', async () => {
  for (const d of daemons) d.child.kill('SIGTERM');
  expect(await Promise.all(daemons.map((d) => d.exited))).toEqual([0, 0]);
});

/** The learner in this process; it uses the environment, the pool, the NOTIFY bus and the log of its context. */
async function learnerHere(env: Record<string, string>) {
  const bus = new NotifyBus(db.url);
  await bus.start();
  const ctx = { env: readEnv({ ...process.env, DATABASE_URL: db.url, POSTERN_RSPAMD_URL: '', POSTERN_RSPAMD_PASSWORD: '', ...env }), pool, bus, log: createLogger('junk-test', 'silent') } as unknown as DaemonContext;
  const service = junkLearningService({ retryBaseSeconds: 0 });
  await service.start(ctx);
  return {
    listening: () => bus.listenerCount(CHANNELS.junk) > 0,
    async stop() {
      await service.stop();
      await bus.close();
    },
  };
}

async function judge(): Promise<string> {
  const r = await pool.query<{ id: string }>(
    `INSERT INTO junk_training (mailbox_id, blob_id, verdict) SELECT $1, blob_id, 'spam' FROM mail_messages LIMIT 1 RETURNING id`,
    [mailboxId],
  );
  await notify(pool, CHANNELS.junk, {});
  return r.rows[0].id;
}

it('without POSTERN_RSPAMD_URL the learner leaves judgements as data', async () => {
  const learner = await learnerHere({});
  expect(learner.listening()).toBe(false);
  const id = await judge();
  await learner.stop();
  const { rows } = await pool.query(`SELECT learned_at, learn_error, attempts FROM junk_training WHERE id = $1`, [id]);
  expect(rows[0]).toEqual({ learned_at: null, learn_error: null, attempts: 0 });
  await pool.query('DELETE FROM junk_training WHERE id = $1', [id]);
});

it('with rspamd unreachable the learner keeps the error, pauses, and still stops at once', async () => {
  const learner = await learnerHere({ POSTERN_RSPAMD_URL: `http://127.0.0.1:${await freePort()}` });
  expect(learner.listening()).toBe(true);
  const id = await judge();
  let row;
  for (let i = 0; i < 200; i++) {
    row = (await pool.query(`SELECT learned_at, learn_error, attempts FROM junk_training WHERE id = $1`, [id])).rows[0];
    if (row.attempts > 0) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  expect(row).toMatchObject({ learned_at: null, learn_error: expect.stringMatching(/^learnspam: /), attempts: 1 });
  const stopping = Date.now();
  await learner.stop();
  expect(Date.now() - stopping).toBeLessThan(500);
});

it('each failed learn pauses the learner, twice as long as the one before (1 s, then 2 s)', async () => {
  await pool.query('DELETE FROM junk_training');
  const learner = await learnerHere({ POSTERN_RSPAMD_URL: `http://127.0.0.1:${await freePort()}` });
  const first = await judge();
  const second = await judge();
  // Every judgement is due again at once (retry base 0): only the learner's pause spaces the attempts.
  const attempts = async () => {
    const { rows } = await pool.query<{ id: string; attempts: number }>(`SELECT id, attempts FROM junk_training`);
    return new Map(rows.map((r) => [r.id, r.attempts]));
  };
  const seen: Record<string, number> = {};
  const started = Date.now();
  while (!seen['first 2'] && Date.now() - started < 10_000) {
    const now = await attempts();
    const at = Date.now();
    if (now.get(first)! >= 1) seen['first 1'] ??= at;
    if (now.get(second)! >= 1) seen['second 1'] ??= at;
    if (now.get(first)! >= 2) seen['first 2'] ??= at;
    await new Promise((res) => setTimeout(res, 25));
  }
  await learner.stop();
  expect(Object.keys(seen).sort()).toEqual(['first 1', 'first 2', 'second 1']);
  expect(seen['second 1'] - seen['first 1']).toBeGreaterThanOrEqual(900);
  expect(seen['second 1'] - seen['first 1']).toBeLessThan(1900);
  expect(seen['first 2'] - seen['second 1']).toBeGreaterThanOrEqual(1900);
  await pool.query('DELETE FROM junk_training');
});
