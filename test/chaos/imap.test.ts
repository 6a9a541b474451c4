// The chaos suite, IMAP side, through the real daemon (a child process) on a cluster of the
// suite's own: every backend terminated under an IDLE-ing client (LISTEN reconnects and IDLE
// pushes again) and under a FETCH and a SELECT caught in the middle of their statements (they
// answer NO [UNAVAILABLE], the next ones work); a read-only database (a failover to a standby:
// SQLSTATE 25006) under imapflow and Python's imaplib, where what only reads works and what
// writes answers NO [UNAVAILABLE], until the database is writable again.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { openChaosCluster, type ChaosCluster } from './cluster';

const run = promisify(execFile);
const USER = 'reader@chaos.test';
const PASSWORD = 'Tide-Lantern-Sixty-2';
const RECOVERY_BOUND_MS = 10_000;

let cluster: ChaosCluster;
let daemon: DaemonProcess;
let imaps: number;

/** Sent over SMTP like an MTA would: again after a temporary failure, until it has its 250. */
async function send(subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.mx, secure: false, ignoreTLS: true, name: 'chaos.client.test' });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        await transport.sendMail({ from: 'someone@sender.test', to: USER, subject, text: `${subject}\n` });
        return;
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        if (Date.now() > deadline || !code || code >= 500) throw err;
        await delay(100); // an MTA's retry interval, shortened
      }
    }
  } finally {
    transport.close();
  }
}

function imapflow(): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: USER, pass: PASSWORD }, logger: false });
}

async function loggedIn(): Promise<WireClient> {
  const c = await WireClient.connect(imaps, { tls: true });
  await c.line();
  expect((await c.command(`l LOGIN ${USER} "${PASSWORD}"`)).at(-1)).toMatch(/^l OK/);
  return c;
}

function alive(): void {
  const why = daemon.child.exitCode !== null || daemon.child.signalCode !== null ? `daemon ended:\n${daemon.output.slice(-15).join('\n')}` : '';
  expect(why).toBe('');
}

/** Until a statement of the daemon that reads `table` waits for a lock (caught mid-way). */
async function waitingForLock(table: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const r = await cluster.admin(`SELECT 1 FROM pg_stat_activity WHERE datname = 'postern' AND wait_event_type = 'Lock' AND position($1 IN query) > 0`, [table]);
    if (r.rowCount) return;
    await delay(10);
  }
  throw new Error('no statement of the daemon waited for the lock');
}

/** An exclusive lock on `table` held by a transaction of its own, until every backend is terminated. */
async function lock(table: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: cluster.url });
  c.on('error', () => {});
  await c.connect();
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return c;
}

/** Lines until `want` (the untagged responses an IDLE pushes); rejects after `ms`. */
async function pushed(c: WireClient, want: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  const seen: string[] = [];
  for (;;) {
    const line = await c.line(Math.max(1, deadline - Date.now())).catch(() => {
      throw new Error(`IDLE pushed ${seen.join(' | ') || 'nothing'}, not ${want}`);
    });
    if (line === want) return;
    seen.push(line);
  }
}

/**
 * A client IDLE-ing on INBOX (the server's "+" seen) through `fault`: a message delivered right
 * after it (while the daemon's LISTEN connection may still be reconnecting) and one after that
 * are both pushed, and DONE ends the IDLE with OK.
 */
async function idleThrough(fault: () => Promise<void>, name: string): Promise<void> {
  const c = await loggedIn();
  const selected = (await c.command('s SELECT INBOX')).join('\n');
  expect(selected).toMatch(/^s OK/m);
  const start = Number(/^\* (\d+) EXISTS$/m.exec(selected)![1]);
  c.write('i IDLE\r\n');
  expect(await c.line()).toMatch(/^\+ /);
  await fault();
  await send(`Right after the database was ${name}`);
  await pushed(c, `* ${start + 1} EXISTS`);
  await send(`Later after the database was ${name}`);
  await pushed(c, `* ${start + 2} EXISTS`);
  c.write('DONE\r\n');
  expect((await c.until('i')).at(-1)).toMatch(/^i OK/);
  c.close();
  alive();
}

beforeAll(async () => {
  cluster = await openChaosCluster();
  const db = createPrisma(cluster.url, 2);
  await addDomain(db, SYSTEM, { name: 'chaos.test' });
  await createMailbox(db, SYSTEM, { address: USER, password: PASSWORD, quota: '1G' });
  await db.$disconnect();
  imaps = await freePort();
  const dataDir = path.join(cluster.dir, 'daemon');
  fs.mkdirSync(dataDir);
  daemon = await spawnDaemon(cluster.url, dataDir, { POSTERN_IMAPS_PORT: String(imaps) });
  for (let i = 1; i <= 3; i++) await send(`Before the faults ${i}`);
});

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await cluster?.close();
});

describe('IMAP while the database fails', { timeout: 90_000 }, () => {
  it('IDLE pushes again after every backend was terminated (LISTEN reconnects, mail delivered meanwhile is announced)', async () => {
    await idleThrough(async () => {
      expect(await cluster.terminateAll()).toBeGreaterThan(0);
    }, 'terminated');
  });

  it('IDLE pushes again after Postgres was killed with -9 and started again', async () => {
    await idleThrough(async () => {
      await cluster.down('kill');
      await cluster.up();
    }, 'killed');
  });

  it('a FETCH and a SELECT caught mid-statement by the termination answer NO [UNAVAILABLE]; the next ones work', async () => {
    const c = await loggedIn();
    expect((await c.command('s0 SELECT INBOX')).at(-1)).toMatch(/^s0 OK/);

    let locker = await lock('mail_messages');
    c.write('f1 UID FETCH 1:* (FLAGS BODY.PEEK[])\r\n');
    await waitingForLock('mail_messages');
    await cluster.terminateAll();
    await locker.end().catch(() => {});
    expect((await c.until('f1')).at(-1)).toMatch(/^f1 NO \[UNAVAILABLE\] /);
    const again = await c.command('f2 UID FETCH 1:* (FLAGS BODY.PEEK[])');
    expect(again.at(-1)).toMatch(/^f2 OK/);
    expect(again.filter((l) => / FETCH \(/.test(l)).length).toBeGreaterThanOrEqual(3);

    locker = await lock('mail_folders');
    c.write('s1 SELECT INBOX\r\n');
    await waitingForLock('mail_folders');
    await cluster.terminateAll();
    await locker.end().catch(() => {});
    expect((await c.until('s1')).at(-1)).toMatch(/^s1 NO \[UNAVAILABLE\] /);
    expect((await c.command('s2 SELECT INBOX')).at(-1)).toMatch(/^s2 OK/);
    expect((await c.command('n NOOP')).at(-1)).toMatch(/^n OK/);
    c.close();
    alive();
  });

  it('on a read-only database: LOGIN, SELECT, STATUS, FETCH, SEARCH and NOOP work, STORE, APPEND and EXPUNGE answer NO [UNAVAILABLE]; writes work again once it is writable', async () => {
    // A session open before the episode: reached by ALTER SYSTEM + pg_reload_conf at its next statement.
    const before = new pg.Client({ connectionString: cluster.url });
    before.on('error', () => {});
    await before.connect();
    const w = await loggedIn();
    expect((await w.command('s SELECT INBOX')).at(-1)).toMatch(/^s OK/);
    expect((await w.command('d UID STORE 1 +FLAGS (\\Deleted)')).at(-1)).toMatch(/^d OK/);

    await cluster.readOnly(true);
    try {
      // pg_reload_conf() only signals: each backend rereads the file when its signal comes, so
      // this session turns read-only shortly after, not necessarily by its very next statement.
      let reached = 0;
      while ((await before.query('SHOW default_transaction_read_only')).rows[0].default_transaction_read_only !== 'on') {
        expect(++reached, 'ALTER SYSTEM reached the session open before the episode').toBeLessThan(500);
        await delay(10);
      }
      await expect(before.query(`UPDATE mailboxes SET quota_bytes = quota_bytes WHERE false`)).rejects.toMatchObject({ code: '25006' });

      // imapflow: a new login (its throttle reset cannot be written), then only reads.
      const client = imapflow();
      await client.connect();
      const status = await client.status('INBOX', { messages: true, unseen: true });
      if (!status) throw new Error('STATUS failed');
      expect(status.messages).toBeGreaterThanOrEqual(3);
      const box = await client.mailboxOpen('INBOX');
      expect(box.exists).toBe(status.messages);
      const subjects: string[] = [];
      for await (const m of client.fetch('1:*', { uid: true, envelope: true, source: true })) subjects.push(m.envelope!.subject!);
      expect(subjects).toContain('Before the faults 1');
      expect(await client.search({ all: true })).toHaveLength(status.messages!);
      expect(await client.search({ subject: 'Before the faults 2' })).toHaveLength(1);
      await client.noop();
      await client.logout();

      // Python's imaplib: FETCH (RFC822) would set \Seen; the body is served all the same.
      const script = `
import imaplib, json, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
out = {}
out['login'] = m.login(sys.argv[2], sys.argv[3])[0]
out['select'] = m.select('INBOX')[0]
typ, data = m.fetch('1', '(RFC822)'); out['fetch'] = [typ, data[0][1].decode(errors='replace') if typ == 'OK' else data[0].decode()]
out['search'] = m.search(None, 'ALL')[0]
out['noop'] = m.noop()[0]
typ, data = m.store('1', '+FLAGS', '(\\\\Flagged)'); out['store'] = [typ, data[0].decode()]
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;
      const { stdout } = await run('/usr/bin/python3', ['-c', script, String(imaps), USER, PASSWORD], { timeout: 20_000 });
      const py = JSON.parse(stdout);
      expect(py).toMatchObject({ login: 'OK', select: 'OK', search: 'OK', noop: 'OK', logout: 'BYE' });
      expect(py.fetch[0]).toBe('OK');
      expect(py.fetch[1]).toContain('Before the faults 1');
      expect(py.store).toEqual(['NO', expect.stringMatching(/^\[UNAVAILABLE\] /)]);

      // The session opened before the episode: reads work, writes are "try again later".
      expect((await w.command('n NOOP')).at(-1)).toMatch(/^n OK/);
      expect((await w.command('f UID FETCH 1:* (FLAGS)')).at(-1)).toMatch(/^f OK/);
      expect((await w.command('q UID SEARCH ALL')).at(-1)).toMatch(/^q OK/);
      expect((await w.command('t UID STORE 2 +FLAGS (\\Flagged)')).at(-1)).toMatch(/^t NO \[UNAVAILABLE\] /);
      expect((await w.command('x EXPUNGE')).at(-1)).toMatch(/^x NO \[UNAVAILABLE\] /);
      expect((await w.command('c UID COPY 1 INBOX')).at(-1)).toMatch(/^c NO \[UNAVAILABLE\] /);
      expect((await w.command('k CREATE Projects')).at(-1)).toMatch(/^k NO \[UNAVAILABLE\] /);
      const message = 'Subject: appended\r\n\r\nduring the episode\r\n';
      w.write(`a APPEND INBOX {${message.length}}\r\n`);
      const cont = await w.line();
      if (cont.startsWith('+')) w.write(`${message}\r\n`);
      const appended = cont.startsWith('+') ? (await w.until('a')).at(-1) : cont;
      expect(appended).toMatch(/^a NO \[UNAVAILABLE\] /);
    } finally {
      await cluster.readOnly(false);
    }

    // Writable again: the session's next STORE works, at once or within the bound.
    const back = Date.now();
    let refused = 0;
    for (;;) {
      const done = (await w.command(`r${refused} UID STORE 2 +FLAGS (\\Flagged)`)).at(-1)!;
      if (/^r\d+ OK/.test(done)) break;
      expect(done).toMatch(/NO \[UNAVAILABLE\]/);
      expect(Date.now() - back).toBeLessThan(RECOVERY_BOUND_MS);
      refused++;
      await delay(100);
    }
    console.log(`chaos imap read-only: ${refused} STORE refused after the database was writable again, ${Date.now() - back} ms to the first OK`);
    expect((await w.command('e EXPUNGE')).at(-1)).toMatch(/^e OK/);
    w.close();
    await before.end();
    alive();
  });
});
