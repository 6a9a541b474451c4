// Junk judgements as IMAP clients make them (imapflow's MOVE and COPY against the real server
// and store), and the learning queue against Debian's rspamd.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@/lib/postgres/embedded';
import { createRspamdClient } from '@/mail-daemon/rspamd/client';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startRspamd, type TestRspamd } from '@/mail-daemon/testing/rspamd';
import { createJunkTrainingQueue, MAX_LEARN_ATTEMPTS } from './junk-training';

const PASSWORD = 'Junk-Test-Password-1';
let h: ImapHarness;
let rspamd: TestRspamd;
let mailboxId: string;
let n = 0;

beforeAll(async () => {
  [h, rspamd] = await Promise.all([startImapHarness(), startRspamd()]);
  mailboxId = await h.addUser('judge@junk.test', PASSWORD);
});
afterAll(async () => {
  await rspamd?.stop();
  await h?.close();
});

async function withClient(fn: (c: ImapFlow) => Promise<void>): Promise<void> {
  const c = new ImapFlow({ host: '127.0.0.1', port: h.port, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'judge@junk.test', pass: PASSWORD }, logger: false });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.logout();
  }
}

/** Delivers a fresh message and returns its blob id. */
async function fresh(): Promise<string> {
  n++;
  await h.deliver(mailboxId, testMessage(`judged ${n}`, `Words of message number ${n}, for the classifier.\r\n`));
  const r = await h.pool.query<{ blob_id: string }>(`SELECT id AS blob_id FROM mail_blobs WHERE position(convert_to($1, 'UTF8') in raw) > 0`, [`Subject: judged ${n}\r\n`]);
  return r.rows[0].blob_id;
}

async function judgements(): Promise<{ verdict: string; blob_id: string }[]> {
  const r = await h.pool.query(`SELECT verdict, blob_id FROM junk_training ORDER BY id`);
  return r.rows;
}

async function moveBySubject(c: ImapFlow, from: string, subject: string, to: string, copy = false): Promise<void> {
  const lock = await c.getMailboxLock(from);
  try {
    const uids = await c.search({ subject }, { uid: true });
    expect(uids).toHaveLength(1);
    if (copy) await c.messageCopy(uids as number[], to, { uid: true });
    else await c.messageMove(uids as number[], to, { uid: true });
  } finally {
    lock.release();
  }
}

describe('Junk judgements from IMAP', () => {
  it('MOVE into Junk records spam, back to INBOX records ham, Junk to Trash records nothing', async () => {
    await h.pool.query('DELETE FROM junk_training');
    const blob = await fresh();
    await withClient(async (c) => {
      await moveBySubject(c, 'INBOX', `judged ${n}`, 'Junk');
      expect(await judgements()).toEqual([{ verdict: 'spam', blob_id: blob }]);
      await moveBySubject(c, 'Junk', `judged ${n}`, 'INBOX');
      expect(await judgements()).toEqual([{ verdict: 'spam', blob_id: blob }, { verdict: 'ham', blob_id: blob }]);
      await moveBySubject(c, 'INBOX', `judged ${n}`, 'Junk');
      await moveBySubject(c, 'Junk', `judged ${n}`, 'Trash');
      await moveBySubject(c, 'Trash', `judged ${n}`, 'Archive');
    });
    expect((await judgements()).map((j) => j.verdict)).toEqual(['spam', 'ham', 'spam']);
  });

  it('COPY into Junk records spam too; moves between other folders record nothing', async () => {
    await h.pool.query('DELETE FROM junk_training');
    const blob = await fresh();
    await withClient(async (c) => {
      await moveBySubject(c, 'INBOX', `judged ${n}`, 'Archive');
      await moveBySubject(c, 'Archive', `judged ${n}`, 'Junk', true);
    });
    expect(await judgements()).toEqual([{ verdict: 'spam', blob_id: blob }]);
  });

  it('a move that fails records nothing', async () => {
    await h.pool.query('DELETE FROM junk_training');
    await fresh();
    await withClient(async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const uids = (await c.search({ subject: `judged ${n}` }, { uid: true })) as number[];
        expect(await c.messageMove(uids, 'No Such Folder', { uid: true })).toBe(false);
      } finally {
        lock.release();
      }
    });
    expect(await judgements()).toEqual([]);
  });
});

describe('the learning queue', () => {
  const queue = () => createJunkTrainingQueue(h.pool, { retryBaseSeconds: 0 });
  const row = async (id: string) => (await h.pool.query(`SELECT learned_at, learn_error, attempts FROM junk_training WHERE id = $1`, [id])).rows[0];

  it('sends the stored message to rspamd and sets learned_at', async () => {
    await h.pool.query('DELETE FROM junk_training');
    const blob = await fresh();
    await h.pool.query(`INSERT INTO junk_training (mailbox_id, blob_id, verdict) VALUES ($1, $2, 'spam')`, [mailboxId, blob]);
    const client = createRspamdClient(rspamd.url, { password: rspamd.password });
    const before = (await rspamd.stat()).learned;
    const result = await queue().learnNext((verdict, raw) => client.learn(verdict, raw));
    expect(result?.outcome).toBe('learned');
    expect(await row(result!.id)).toMatchObject({ learned_at: expect.any(Date), learn_error: null, attempts: 1 });
    expect((await rspamd.stat()).learned).toBe(before + 1);
    expect(await queue().learnNext(() => Promise.reject(new Error('nothing should be due')))).toBeNull();
  });

  it('keeps learn_error after a failure and tries again; gives up after the last attempt', async () => {
    await h.pool.query('DELETE FROM junk_training');
    const blob = await fresh();
    await h.pool.query(`INSERT INTO junk_training (mailbox_id, blob_id, verdict) VALUES ($1, $2, 'ham')`, [mailboxId, blob]);
    const down = createRspamdClient(`http://127.0.0.1:${await freePort()}`);
    const first = await queue().learnNext((verdict, raw) => down.learn(verdict, raw));
    expect(first).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/learnham/) });
    expect(await row(first!.id)).toMatchObject({ learned_at: null, learn_error: expect.stringMatching(/learnham/), attempts: 1 });
    for (let i = 1; i < MAX_LEARN_ATTEMPTS; i++) expect((await queue().learnNext((v, raw) => down.learn(v, raw)))?.outcome).toBe('failed');
    expect(await queue().learnNext((v, raw) => down.learn(v, raw))).toBeNull();
    expect(await row(first!.id)).toMatchObject({ learned_at: null, attempts: MAX_LEARN_ATTEMPTS });
  });

  it('waits before retrying a failed learn', async () => {
    await h.pool.query('DELETE FROM junk_training');
    const blob = await fresh();
    await h.pool.query(`INSERT INTO junk_training (mailbox_id, blob_id, verdict, attempts) VALUES ($1, $2, 'spam', 1)`, [mailboxId, blob]);
    const slow = createJunkTrainingQueue(h.pool, { retryBaseSeconds: 3600 });
    expect(await slow.learnNext(() => Promise.resolve())).toBeNull();
    await h.pool.query(`UPDATE junk_training SET created_at = now() - interval '2 hours'`);
    expect((await slow.learnNext(() => Promise.resolve()))?.outcome).toBe('learned');
  });

  it('marks a judgement whose message is no longer stored, and never sends it', async () => {
    await h.pool.query('DELETE FROM junk_training');
    await h.pool.query(`INSERT INTO junk_training (mailbox_id, blob_id, verdict) VALUES ($1, gen_random_uuid(), 'spam')`, [mailboxId]);
    const result = await queue().learnNext(() => Promise.reject(new Error('must not be called')));
    expect(result?.outcome).toBe('gone');
    expect(await row(result!.id)).toMatchObject({ learned_at: null, learn_error: 'message no longer stored', attempts: MAX_LEARN_ATTEMPTS });
    expect(await queue().learnNext(() => Promise.resolve())).toBeNull();
  });

  it('two learners never take the same judgement', async () => {
    await h.pool.query('DELETE FROM junk_training');
    const blob = await fresh();
    await h.pool.query(`INSERT INTO junk_training (mailbox_id, blob_id, verdict) VALUES ($1, $2, 'spam')`, [mailboxId, blob]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const calls: string[] = [];
    const first = queue().learnNext(async (verdict) => {
      calls.push(`first ${verdict}`);
      entered();
      await held;
    });
    await inside;
    // While the first learner holds the row, the second finds nothing due.
    expect(await queue().learnNext(async (verdict) => void calls.push(`second ${verdict}`))).toBeNull();
    release();
    expect((await first)?.outcome).toBe('learned');
    expect(calls).toEqual(['first spam']);
  });
});
