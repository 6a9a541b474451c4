// Postern behind Debian's PgBouncer. Session mode: everything works — migrations under their
// advisory lock, delivery, LISTEN/NOTIFY (IDLE pushes and policy changes across daemons), the
// panel's services and the CLI. Transaction mode: queries and transactions work, but a LISTEN
// lands on whichever server connection ran it and its notifications never reach the daemon, and
// the migration lock outlives the client that took it, so the next process to migrate waits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createPrisma, type Db } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { freePort } from '@/lib/postgres/embedded';
import { postern } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { until } from '@/mail-daemon/testing/haproxy';
import { startPgbouncer, type RunningPgbouncer } from '@/mail-daemon/testing/pgbouncer';
import { RawSmtp } from '@/mail-daemon/testing/smtp';

const PASSWORD = 'Pooler-Test-Password-7';
// lib/db/migrate.ts's MIGRATE_LOCK (7265913381): a bigint advisory key is shown in pg_locks as
// classid (high 32 bits) and objid (low 32 bits), objsubid 1.
const MIGRATE_LOCK = { classid: 1, objid: 2_970_946_085 };

let db: TestDatabase;
let direct: pg.Pool;
let session: RunningPgbouncer;
let transaction: RunningPgbouncer;
/** The panel's way in: its services over Prisma, here through session-mode PgBouncer. */
let panel: Db | undefined;
const daemons: { process: DaemonProcess; imaps: number; dir: string }[] = [];

async function startDaemon(url: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pooler-'));
  const imaps = await freePort();
  const d = { process: await spawnDaemon(url, dir, { POSTERN_IMAPS_PORT: String(imaps) }), imaps, dir };
  daemons.push(d);
  return d;
}

async function cli(url: string, args: string[]) {
  const r = await postern(args, { env: { DATABASE_URL: url } });
  if (r.code !== 0) throw new Error(`postern ${args.join(' ')} → ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function migrateLock(): Promise<{ pid: number; granted: boolean }[]> {
  const r = await direct.query<{ pid: number; granted: boolean }>(
    `SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [MIGRATE_LOCK.classid, MIGRATE_LOCK.objid],
  );
  return r.rows;
}

/** The SIZE an EHLO on this MX port announces (the policy's maxMessageBytes as the daemon sees it now). */
async function ehloSize(port: number): Promise<number> {
  const { client } = await RawSmtp.connect(port);
  try {
    const r = await client.cmd('EHLO client.test');
    return Number(/^SIZE (\d+)/m.exec(r.lines.join('\n'))?.[1]);
  } finally {
    client.close();
  }
}

async function send(port: number, subject: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, name: 'sender.pool' });
  try {
    return await transport.sendMail({ from: 'someone@sender.pool', to: 'idle@pool.test', subject, text: subject });
  } finally {
    transport.close();
  }
}

/** An IMAP client IDLE in INBOX on `port`, counting the EXISTS it is told. */
async function idler(port: number) {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'idle@pool.test', pass: PASSWORD }, logger: false });
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  const exists: number[] = [];
  client.on('exists', (e: { count: number }) => exists.push(e.count));
  const idling = client.idle();
  return {
    exists,
    async stop() {
      await client.noop();
      await idling;
      lock.release();
      await client.logout();
    },
    async noop() {
      await client.noop();
    },
  };
}

beforeAll(async () => {
  // Not migrated: the first processes through PgBouncer migrate it.
  db = await createTestDatabase({ migrated: false });
  direct = db.pool(2);
  // In session mode a client keeps its server connection for its whole life: two daemons, the CLI and the tests' clients.
  [session, transaction] = await Promise.all([startPgbouncer(db.url, 'session', { poolSize: 60 }), startPgbouncer(db.url, 'transaction', { poolSize: 20 })]);
});

afterAll(async () => {
  await panel?.$disconnect();
  for (const d of daemons) if (d.process.child.exitCode === null) d.process.child.kill('SIGTERM');
  await Promise.all(daemons.map((d) => d.process.exited));
  await session?.stop();
  await transaction?.stop();
  await direct?.end();
  await db?.drop();
  for (const d of daemons) fs.rmSync(d.dir, { recursive: true, force: true });
});

describe('PgBouncer', { timeout: 60_000 }, () => {
  let a: Awaited<ReturnType<typeof startDaemon>>;
  let b: Awaited<ReturnType<typeof startDaemon>>;

  it('session mode: two daemons migrate at once, the CLI works, NOTIFY reaches IDLE and policy across daemons', async () => {
    const url = session.url(db.url);
    // Both migrate at once through PgBouncer, queued on the advisory lock; both start.
    [a, b] = await Promise.all([startDaemon(url), startDaemon(url)]);
    // When a client leaves, session mode's reset (DISCARD ALL) lets go of its advisory locks.
    await until(async () => (await migrateLock()).length === 0, 10_000, 'the migration lock is still held');

    // What the panel's Server Actions call, through PgBouncer. (The checks on arrival would ask DNS
    // about sender.pool; not what this file is about.)
    panel = createPrisma(url, 3);
    await addDomain(panel, SYSTEM, { name: 'pool.test' });
    await createMailbox(panel, SYSTEM, { address: 'idle@pool.test', password: PASSWORD, quota: '1G' });
    await updatePolicy(panel, SYSTEM, { domainId: null, settings: { authChecks: false, maxMessageBytes: 1_000_000 } });
    // The policy's NOTIFY reached both daemons' LISTEN: their EHLO says the new size at once.
    for (const d of [a, b]) await until(async () => (await ehloSize(d.process.ports.mx)) === 1_000_000, 10_000, 'the policy change did not arrive');

    // Delivered by daemon a, pushed to an IDLE session on daemon b.
    const watcher = await idler(b.imaps);
    const info = await send(a.process.ports.mx, 'through session mode');
    expect(info.response).toMatch(/^250 /);
    await until(async () => watcher.exists.includes(1), 10_000, 'IDLE on the other daemon was not told');
    await watcher.stop();

    // The CLI (which migrates first, under the lock) and the panel's TLS overview query, through PgBouncer.
    expect(JSON.parse(await cli(url, ['mailbox', 'list', '--json']))).toEqual([expect.objectContaining({ address: 'idle@pool.test' })]);
    const stats = JSON.parse(await cli(url, ['tls', 'stats', '--json'])) as { totals: { messages: number; ourTls: number } };
    expect(stats.totals).toMatchObject({ messages: 1, ourTls: 1 });
  });

  it('transaction mode: mail is delivered, but NOTIFY never reaches the daemon, and the migration lock outlives its client', async () => {
    // pgbouncer=true: PgBouncer 1.18 in transaction mode cannot carry a named statement from one
    // server connection to the next, so the daemon sends its statements unnamed.
    const t = await startDaemon(`${transaction.url(db.url)}?pgbouncer=true`);
    // The daemon's migrate() took the session-level lock on one server connection and ended its
    // client; transaction mode resets nothing, so that server connection, idle in the pool, keeps it.
    const held = await migrateLock();
    expect(held).toEqual([{ pid: expect.any(Number), granted: true }]);
    const holder = held[0].pid;

    // Queries and transactions are fine: delivery through the transaction pooler works.
    const controlIdle = await idler(a.imaps);
    const idle = await idler(t.imaps);
    expect((await send(t.process.ports.mx, 'through transaction mode')).response).toMatch(/^250 /);
    // The delivery's NOTIFY is sent (the daemon behind session mode pushes it to its IDLE client)…
    await until(async () => controlIdle.exists.includes(2), 10_000, 'the session-mode daemon was not told');
    // …but the LISTEN of the daemon behind transaction mode hears nothing: its IDLE client is not told,
    await controlIdle.stop();
    expect(idle.exists).toEqual([]);
    // and sees the message only when it asks (NOOP).
    await idle.noop();
    expect(idle.exists).toEqual([2]);
    await idle.stop();

    // The same for policy: the change reaches the session-mode daemon at once, not the other one
    // (whose cache keeps the old value until its 60 s TTL runs out).
    await updatePolicy(panel!, SYSTEM, { domainId: null, settings: { authChecks: false, maxMessageBytes: 2_000_000 } });
    await until(async () => (await ehloSize(a.process.ports.mx)) === 2_000_000, 10_000, 'the policy change did not arrive');
    expect(await ehloSize(t.process.ports.mx)).toBe(1_000_000);

    // The leaked migration lock blocks the next process to migrate on any other connection — here
    // the CLI, straight to Postgres — until the server connection holding it is closed.
    let listed: string | null = null;
    const pending = cli(db.url, ['mailbox', 'list', '--json']).then((out) => (listed = out));
    await until(async () => (await migrateLock()).some((l) => !l.granted), 20_000, 'the CLI did not wait on the migration lock');
    expect(listed).toBe(null);
    expect(await migrateLock()).toContainEqual({ pid: holder, granted: true });
    await direct.query('SELECT pg_terminate_backend($1)', [holder]);
    await pending;
    expect(JSON.parse(listed!)).toEqual([expect.objectContaining({ address: 'idle@pool.test' })]);
  });
});
