// The default folders at login (PgMailStore.open): made at the first login, made again after one
// was deleted or renamed away — by this process at once, by another once its change reaches this
// one — and not read again by a process that already saw them all and heard of no change. A POP3
// login lists INBOX with its messages in one statement, and makes the folders when there are none.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyBus } from '@/lib/db/notify';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { createPgMailStore, type PgMailStore } from './pg-store';
import { createPop3Store } from './pop3-store';

let db: TestDatabase;
let pool: pg.Pool;
const buses: NotifyBus[] = [];
let here: PgMailStore;
let there: PgMailStore;
/** Statements sent through `here`'s pool.query (its transactions go through connect()). */
let queries = 0;

async function storeWithBus(p: pg.Pool): Promise<PgMailStore> {
  const bus = new NotifyBus(db.url);
  await bus.start();
  buses.push(bus);
  return createPgMailStore({ pool: p, bus });
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(6);
  const counting = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: Parameters<pg.Pool['query']>) => {
          queries++;
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  here = await storeWithBus(counting);
  there = await storeWithBus(pool);
});
afterAll(async () => {
  for (const bus of buses) await bus.close();
  await pool.end();
  await db.drop();
});

async function folderNames(store: PgMailStore, mailboxId: string): Promise<string[]> {
  const session = await store.open(mailboxId);
  try {
    return (await session.listFolders()).map((f) => f.name);
  } finally {
    session.close();
  }
}

describe('default folders at login', () => {
  it('the first login makes them; a later one of the same process sends no statement for them', async () => {
    const { mailboxId } = await createTestMailbox(pool, 'first@folders.test');
    expect(await folderNames(here, mailboxId)).toEqual(['INBOX', 'Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
    queries = 0;
    const session = await here.open(mailboxId);
    session.close();
    expect(queries).toBe(0);
  });

  it('a folder deleted or renamed away by this process is back at the next login', async () => {
    const { mailboxId } = await createTestMailbox(pool, 'here@folders.test');
    const session = await here.open(mailboxId);
    await session.deleteFolder('Sent');
    await session.renameFolder('Drafts', 'Old drafts');
    session.close();
    expect(await folderNames(here, mailboxId)).toEqual(expect.arrayContaining(['Sent', 'Drafts', 'Old drafts']));
  });

  it('a folder deleted by another process is back at a login here once its change arrived', async () => {
    const { mailboxId } = await createTestMailbox(pool, 'there@folders.test');
    expect(await folderNames(here, mailboxId)).toContain('Sent');
    const other = await there.open(mailboxId);
    await other.deleteFolder('Sent');
    other.close();
    // The deletion reaches this store through the change feed (NOTIFY), moments later.
    await expect.poll(() => folderNames(here, mailboxId), { timeout: 10_000 }).toContain('Sent');
  });

  it('without a change feed every login reads them', async () => {
    const { mailboxId } = await createTestMailbox(pool, 'nobus@folders.test');
    const lone = createPgMailStore({ pool });
    const first = await lone.open(mailboxId);
    await first.deleteFolder('Trash');
    first.close();
    await pool.query(`DELETE FROM mail_folders WHERE mailbox_id = $1 AND name = 'Junk'`, [mailboxId]);
    expect(await folderNames(lone, mailboxId)).toEqual(expect.arrayContaining(['Trash', 'Junk']));
  });

  it('a POP3 login lists INBOX without \\Deleted messages in UID order, and makes the folders of a mailbox that has none', async () => {
    const pop3 = createPop3Store(createPgMailStore({ pool }));
    const { mailboxId } = await createTestMailbox(pool, 'pop3@folders.test');
    const empty = await pop3.open(mailboxId);
    if (!empty.ok) throw new Error('maildrop in use');
    const messages = empty.maildrop.messages;
    await empty.maildrop.release();
    expect(messages).toEqual([]);
    expect(await folderNames(there, mailboxId)).toEqual(['INBOX', 'Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);

    const session = await there.open(mailboxId);
    for (const body of ['one', 'two', 'three']) {
      const data = Buffer.from(`Subject: ${body}\r\n\r\n${body}\r\n`);
      await session.append('INBOX', { size: data.length, data, flags: body === 'two' ? ['\\Deleted'] : [] });
    }
    session.close();
    const inbox = await pool.query(`SELECT uid_validity FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX'`, [mailboxId]);
    const listed = await pop3.open(mailboxId);
    if (!listed.ok) throw new Error('maildrop in use');
    try {
      expect(listed.maildrop.uidValidity).toBe(Number(inbox.rows[0].uid_validity));
      expect(listed.maildrop.messages.map((m) => m.uid)).toEqual([1, 3]);
      expect(listed.maildrop.messages.every((m) => m.size > 0)).toBe(true);
    } finally {
      await listed.maildrop.release();
    }
  });
});
