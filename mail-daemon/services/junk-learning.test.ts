// The whole path through the real daemon process: a user moves a message into Junk with
// imapflow, the daemon records the judgement and its learner teaches Debian's rspamd; moving
// it back teaches ham. A second daemon on the same database never learns a judgement twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { deliver } from '@/mail-daemon/store';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startRspamd, type TestRspamd } from '@/mail-daemon/testing/rspamd';

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
