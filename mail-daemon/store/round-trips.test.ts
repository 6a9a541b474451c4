// The store's reads take no row lock and its writes are one statement each: what must hold for
// that — reads answer while a writer holds the folder row, concurrent claims of \Recent are
// disjoint (RFC 3501 2.3.2), a STORE that would pass the flag limit writes nothing, a STORE that
// changes nothing leaves HIGHESTMODSEQ (RFC 7162 3.1.1), LIST-STATUS's statuses equal STATUS,
// APPEND is one statement, its own transaction, refused whole when over quota, and a SEARCH on the
// message rows' own columns reads no stored message.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyBus } from '@/lib/db/notify';
import type { FetchResult, MailSession } from '@/mail-daemon/imap/backend';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox, testMessage } from '@/mail-daemon/testing/mailbox';
import { countStatements } from '@/mail-daemon/testing/statements';
import { appendMessages } from './append';
import { deliver } from './deliver';
import { MAX_FLAGS_PER_MESSAGE } from './flags';
import { createPgMailStore, type PgMailStore } from './pg-store';

let db: TestDatabase;
let pool: pg.Pool;
let bus: NotifyBus;
let store: PgMailStore;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(12);
  bus = new NotifyBus(db.url);
  await bus.start();
  store = createPgMailStore({ pool, bus, limits: { appendLimit: 64 * 1024 } });
});
afterAll(async () => {
  await bus.close();
  await pool.end();
  await db.drop();
});

let counter = 0;
async function mailbox(messages: number): Promise<{ mailboxId: string; open: () => Promise<MailSession> }> {
  const { mailboxId } = await createTestMailbox(pool, `r${++counter}@round${counter}.test`);
  for (let i = 0; i < messages; i++) await deliver(pool, { raw: testMessage(`m${i}`), recipients: [{ mailboxId }] });
  return { mailboxId, open: () => store.open(mailboxId) };
}

async function all(it: AsyncIterable<FetchResult>): Promise<FetchResult[]> {
  const out: FetchResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

function disjointUnion(sets: Iterable<number>[]): number[] {
  const seen: number[] = [];
  for (const s of sets) for (const u of s) {
    expect(seen).not.toContain(u);
    seen.push(u);
  }
  return seen.sort((a, b) => a - b);
}

describe('reads take no row lock', () => {
  it('STATUS, LIST-STATUS, EXAMINE, FETCH FLAGS, SEARCH and NOOP answer while a writer holds the INBOX row', async () => {
    const m = await mailbox(3);
    const reader = await m.open();
    const selected = (await reader.select('INBOX')).view;
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`SELECT 1 FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX' FOR UPDATE`, [m.mailboxId]);
      expect((await reader.status('INBOX')).messages).toBe(3);
      expect((await reader.statusAll()).get('INBOX')?.messages).toBe(3);
      const examined = await reader.select('INBOX', { readOnly: true });
      expect(examined.uids).toEqual([1, 2, 3]);
      expect((await all(examined.view.fetch([[1, 3]], { flags: true }))).map((r) => r.uid)).toEqual([1, 2, 3]);
      expect((await selected.search({ op: 'all' })).uids).toEqual([1, 2, 3]);
      // Nothing arrived since the SELECT: no \Recent to claim, so no lock is needed.
      expect((await selected.changes({ modseq: examined.status.highestModseq, uidNext: 4 })).gone).toBe(false);
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
  });
});

describe('SEARCH reads the stored messages only for the keys that need them', () => {
  it('flags, UIDs and internal dates answer while mail_blobs is locked whole; SUBJECT waits for it', async () => {
    const m = await mailbox(3);
    const view = (await (await m.open()).select('INBOX')).view;
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('LOCK TABLE mail_blobs IN ACCESS EXCLUSIVE MODE');
      expect((await view.search({ op: 'flag', flag: '\\Seen', present: false })).uids).toEqual([1, 2, 3]);
      expect((await view.search({ op: 'and', keys: [{ op: 'uid', ranges: [[2, 3]] }, { op: 'date', field: 'internal', cmp: 'since', day: '2000-01-01' }] })).uids).toEqual([2, 3]);
      const subject = view.search({ op: 'header', field: 'Subject', value: 'm1' });
      const waited = await Promise.race([subject.then(() => false), new Promise((resolve) => setTimeout(resolve, 300, true))]);
      expect(waited).toBe(true);
      await other.query('ROLLBACK');
      expect((await subject).uids).toEqual([2]);
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
  });
});

describe('RFC 3501 2.3.2 \\Recent: one session sees a new message as recent', () => {
  it('concurrent SELECTs, and then concurrent NOOPs (changes), claim disjoint sets that together hold every new message', async () => {
    const m = await mailbox(6);
    const sessions = await Promise.all([m.open(), m.open(), m.open(), m.open()]);
    const selects = await Promise.all(sessions.map((s) => s.select('INBOX')));
    expect(disjointUnion(selects.map((s) => s.view.recentUids()))).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of selects) expect(s.status.recent).toBe(s.view.recentUids().size);
    await Promise.all([7, 8, 9].map((n) => deliver(pool, { raw: testMessage(`m${n}`), recipients: [{ mailboxId: m.mailboxId }] })));
    const changes = await Promise.all(selects.map((s) => s.view.changes({ modseq: s.status.highestModseq, uidNext: s.status.uidNext })));
    expect(disjointUnion(changes.map((c) => c.recent))).toEqual([7, 8, 9]);
    for (const c of changes) expect(c.added.map((a) => a.uid)).toEqual([7, 8, 9]);
    // All claimed: a later SELECT has nothing left to see as recent.
    const later = await (await m.open()).select('INBOX');
    expect(later.status.recent).toBe(0);
    expect(later.view.recentUids().size).toBe(0);
  });
});

describe('STORE in one statement', () => {
  it('a STORE that would give one message more than the flag limit fails and writes nothing', async () => {
    const m = await mailbox(2);
    const { view, status } = await (await m.open()).select('INBOX');
    const many = Array.from({ length: MAX_FLAGS_PER_MESSAGE - 1 }, (_, i) => `k${i}`);
    await view.storeFlags([1], { op: 'add', flags: many });
    const before = (await (await m.open()).status('INBOX')).highestModseq;
    expect(before).toBeGreaterThan(status.highestModseq);
    await expect(view.storeFlags([[1, 2]], { op: 'add', flags: ['x1', 'x2'] })).rejects.toMatchObject({ code: 'invalid' });
    const after = await all(view.fetch([[1, 2]], { flags: true, modseq: true }));
    expect(after[1].flags).toEqual([]);
    expect(after[0].flags).toHaveLength(MAX_FLAGS_PER_MESSAGE - 1);
    expect((await (await m.open()).status('INBOX')).highestModseq).toBe(before);
  });

  it('a STORE that changes nothing leaves HIGHESTMODSEQ and the messages MODSEQs; flags come back in stored order', async () => {
    const m = await mailbox(2);
    const { view } = await (await m.open()).select('INBOX');
    const set = await view.storeFlags([[1, 2]], { op: 'add', flags: ['zeta', '\\Seen', 'Alpha', '\\Answered'] });
    expect(set.updated.map((u) => u.flags)).toEqual([
      ['\\Answered', '\\Seen', 'Alpha', 'zeta'],
      ['\\Answered', '\\Seen', 'Alpha', 'zeta'],
    ]);
    const modseq = (await (await m.open()).status('INBOX')).highestModseq;
    const again = await view.storeFlags([[1, 2]], { op: 'add', flags: ['\\Seen'] });
    expect(again.updated.map((u) => u.modseq)).toEqual(set.updated.map((u) => u.modseq));
    expect((await (await m.open()).status('INBOX')).highestModseq).toBe(modseq);
    const removed = await view.storeFlags([1], { op: 'remove', flags: ['Alpha', '\\Answered'] });
    expect(removed.updated[0]).toMatchObject({ flags: ['\\Seen', 'zeta'], modseq: modseq + 1 });
    const refused = await view.storeFlags([[1, 2]], { op: 'set', flags: [], unchangedSince: modseq });
    expect(refused.modified).toEqual([1]);
    expect(refused.updated).toEqual([{ uid: 2, flags: [], modseq: modseq + 2 }]);
  });

  it("STOREs of several mailboxes' sessions that arrive while another commits share its successor's COMMIT", async () => {
    const boxes = await Promise.all([1, 2, 3, 4].map(() => mailbox(1)));
    const views = await Promise.all(boxes.map(async (m) => (await (await m.open()).select('INBOX')).view));
    await Promise.all(views.map((v) => v.storeFlags([1], { op: 'add', flags: ['\\Seen'] })));
    const { rows } = await pool.query<{ tx: string }>(
      `SELECT m.xmin::text AS tx FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = ANY($1::uuid[]) AND f.name = 'INBOX' ORDER BY f.mailbox_id`,
      [boxes.map((b) => b.mailboxId)],
    );
    // The first ran alone; the three behind it were written by one transaction.
    const counts = [...rows.reduce((n, r) => n.set(r.tx, (n.get(r.tx) ?? 0) + 1), new Map<string, number>()).values()].sort();
    expect(counts).toEqual([1, 3]);
    for (const v of views) expect((await all(v.fetch([1], { flags: true })))[0].flags).toEqual(['\\Seen']);
  });
});

describe('LIST-STATUS (RFC 5819)', () => {
  it('reads every folder in one statement, with what STATUS gives for each', async () => {
    const m = await mailbox(2);
    const s = await m.open();
    await s.createFolder('Projects/2026');
    const all = await s.statusAll();
    const names = (await s.listFolders()).map((f) => f.name);
    expect([...all.keys()].sort()).toEqual([...names].sort());
    for (const name of names) expect(all.get(name)).toEqual(await s.status(name));
    expect(all.get('INBOX')).toMatchObject({ messages: 2, unseen: 2, recent: 2 });
  });
});

describe('APPEND', () => {
  it('is one statement and its own transaction; over quota it fails with nothing written', async () => {
    const { mailboxId } = await mailbox(1);
    const msg = testMessage('appended');
    const { result, sent } = await countStatements(db, (p) => appendMessages(p, mailboxId, 64 * 1024, 'INBOX', [{ size: msg.length, data: msg }]));
    expect(result.uids).toEqual([2]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^WITH f AS/);
    await pool.query(`UPDATE mailboxes SET quota_bytes = used_bytes WHERE id = $1`, [mailboxId]);
    await expect(appendMessages(pool, mailboxId, 64 * 1024, 'INBOX', [{ size: msg.length, data: msg }])).rejects.toMatchObject({ code: 'overquota' });
    await expect(appendMessages(pool, mailboxId, 64 * 1024, 'Nowhere', [{ size: msg.length, data: msg }])).rejects.toMatchObject({ code: 'nonexistent' });
    const after = await pool.query(`SELECT uid_next::int FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX'`, [mailboxId]);
    expect(after.rows[0].uid_next).toBe(3);
  });
});
