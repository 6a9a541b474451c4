// The search indexer as a daemon part: on a quiet daemon, the body match texts of delivered mail
// are stored within a few ticks, and a backlog bigger than one slice is said in the log, not at every
// pass; on a busy daemon they wait.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DaemonContext } from '@/mail-daemon/context';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { searchIndexService } from './search-index';

let h: ImapHarness;
beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

const missing = async () =>
  Number((await h.pool.query(`SELECT count(*) AS n FROM mail_blobs b JOIN mail_messages m ON m.blob_id = b.id WHERE b.search_body IS NULL`)).rows[0].n);

it('stores the body texts of delivered mail while the daemon is quiet, and says a backlog', async () => {
  const mailboxId = await h.addUser('index@example.com', 'correct horse battery');
  for (let n = 0; n < 120; n++) await h.deliver(mailboxId, Buffer.from(`From: a@example.org\r\nSubject: ${n}\r\n\r\nmessage number ${n}\r\n`));
  expect(await missing()).toBe(120);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  // A slice of one batch: 120 messages take several ticks, each but the last leaving more to do.
  const service = searchIndexService({ intervalMs: 100, sliceMs: 0 });
  await service.start({ pool: h.pool, log } as unknown as DaemonContext);
  try {
    await expect.poll(missing, { timeout: 20_000, interval: 100 }).toBe(0);
    // The next pass finds nothing left, and says so.
    await expect.poll(() => lines.some((l) => l.msg === 'search index: body texts stored, none left'), { timeout: 5_000, interval: 50 }).toBe(true);
  } finally {
    await service.stop();
  }
  // Said once as the backlog started (the next minute never came), and once when it was gone: all 120.
  const said = lines.filter((l) => String(l.msg).startsWith('search index:'));
  expect(said.map((l) => l.msg)).toEqual(['search index: body texts stored, more to do', 'search index: body texts stored, none left']);
  expect(said.reduce((n, l) => n + (l.messages as number), 0)).toBe(120);
  const texts = await h.pool.query(`SELECT b.search_body FROM mail_blobs b JOIN mail_messages m ON m.blob_id = b.id WHERE m.uid = 7`);
  expect(texts.rows[0].search_body).toBe('message number 6 ');
});

it('leaves the work for later while the daemon uses more CPU than the threshold', async () => {
  const mailboxId = await h.addUser('busy@example.com', 'correct horse battery');
  for (let n = 0; n < 5; n++) await h.deliver(mailboxId, Buffer.from(`From: a@example.org\r\nSubject: ${n}\r\n\r\nbusy ${n}\r\n`));
  const log = pino({ level: 'silent' });
  // No process uses less than 0 % of a CPU.
  const service = searchIndexService({ intervalMs: 50, idleUtilisation: 0 });
  await service.start({ pool: h.pool, log } as unknown as DaemonContext);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await service.stop();
  expect(await missing()).toBe(5);
});
