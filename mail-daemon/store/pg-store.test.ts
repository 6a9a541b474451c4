// Over 300 lines: the store contract (folders, messages, isolation, quota, search, notifications, stored body offsets) on one database.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { NotifyBus } from '@/lib/db/notify';
import { StoreError, type FetchItems, type FetchResult, type FolderView, type MailboxEvent, type MailSession, type SectionSpec, type UidRanges } from '@/mail-daemon/imap/backend';
import { appendMessages } from './append';
import { deliver } from './deliver';
import { createPgMailStore, type PgMailStore } from './pg-store';
import { createTestMailbox, testMessage } from '@/mail-daemon/testing/mailbox';

let db: TestDatabase;
let pool: pg.Pool;
let bus: NotifyBus;
let store: PgMailStore;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(8);
  bus = new NotifyBus(db.url);
  await bus.start();
  store = createPgMailStore({ pool, bus, limits: { appendLimit: 64 * 1024 } });
});
afterAll(async () => {
  await bus.close();
  await pool.end();
  await db.drop();
});

async function all(it: AsyncIterable<FetchResult>): Promise<FetchResult[]> {
  const out: FetchResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

async function fetchOne(view: FolderView, uid: number, items: FetchItems): Promise<FetchResult> {
  const [r] = await all(view.fetch([uid], items));
  return r;
}

const usedBytes = async (mailboxId: string) => {
  const r = await pool.query(
    `SELECT m.used_bytes,
            (SELECT coalesce(sum(mm.size), 0) FROM mail_messages mm JOIN mail_folders f ON f.id = mm.folder_id WHERE f.mailbox_id = m.id) AS actual
       FROM mailboxes m WHERE m.id = $1`,
    [mailboxId],
  );
  return { used: Number(r.rows[0].used_bytes), actual: Number(r.rows[0].actual) };
};

let counter = 0;
async function freshSession(quotaBytes?: number): Promise<{ session: MailSession; mailboxId: string }> {
  const { mailboxId } = await createTestMailbox(pool, `u${++counter}@store${counter}.test`, { quotaBytes });
  return { session: await store.open(mailboxId), mailboxId };
}

describe('folders', () => {
  it('opens with the default folders, SPECIAL-USE, subscribed, INBOX first', async () => {
    const { session } = await freshSession();
    const folders = await session.listFolders();
    expect(folders.map((f) => [f.name, f.specialUse, f.subscribed])).toEqual([
      ['INBOX', null, true], ['Archive', '\\Archive', true], ['Drafts', '\\Drafts', true],
      ['Junk', '\\Junk', true], ['Sent', '\\Sent', true], ['Trash', '\\Trash', true],
    ]);
  });

  it('creates (with superiors), refuses duplicates, subscribes, deletes, and never reuses UIDVALIDITY', async () => {
    const { session } = await freshSession();
    await session.createFolder('Projects/2026/Q4');
    const names = (await session.listFolders()).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['Projects', 'Projects/2026', 'Projects/2026/Q4']));
    await expect(session.createFolder('Projects')).rejects.toMatchObject({ code: 'alreadyexists' });
    await expect(session.createFolder('inbox')).rejects.toMatchObject({ code: 'alreadyexists' });
    await expect(session.createFolder('bad*name')).rejects.toMatchObject({ code: 'cannot' });
    await session.unsubscribe('Projects');
    expect((await session.listFolders()).find((f) => f.name === 'Projects')!.subscribed).toBe(false);
    // A subscription is a name (RFC 3501 6.3.6): it needs no folder.
    await session.subscribe('Nope');
    expect(await session.listSubscriptions()).toContain('Nope');
    const before = await session.status('Projects/2026/Q4');
    await session.deleteFolder('Projects/2026/Q4');
    await expect(session.status('Projects/2026/Q4')).rejects.toBeInstanceOf(StoreError);
    await session.createFolder('Projects/2026/Q4');
    const after = await session.status('Projects/2026/Q4');
    expect(after.uidValidity).not.toBe(before.uidValidity);
    await expect(session.deleteFolder('INBOX')).rejects.toMatchObject({ code: 'cannot' });
  });

  it('renames a folder with its inferiors, and INBOX by moving its messages (INBOX stays, empty)', async () => {
    const { session, mailboxId } = await freshSession();
    await session.createFolder('A/B');
    await session.renameFolder('A', 'Z');
    const names = (await session.listFolders()).map((f) => f.name);
    expect(names).toContain('Z/B');
    expect(names).not.toContain('A');
    await expect(session.renameFolder('Z', 'Sent')).rejects.toMatchObject({ code: 'alreadyexists' });

    await deliver(pool, { raw: testMessage('r1'), recipients: [{ mailboxId }] });
    await deliver(pool, { raw: testMessage('r2'), recipients: [{ mailboxId }] });
    const { view } = await session.select('INBOX');
    const inboxBefore = await session.status('INBOX');
    await session.renameFolder('INBOX', 'Old Inbox');
    const old = await session.status('Old Inbox');
    expect(old.messages).toBe(2);
    const inbox = await session.status('INBOX');
    expect(inbox.messages).toBe(0);
    expect(inbox.uidValidity).toBe(inboxBefore.uidValidity);
    expect(inbox.uidNext).toBe(3);
    // The selected INBOX session learns the expunges.
    const ch = await view.changes({ modseq: inboxBefore.highestModseq, uidNext: 3 });
    expect(ch.expunged).toEqual([1, 2]);
    // New mail still lands in INBOX, with a fresh UID.
    const d = await deliver(pool, { raw: testMessage('r3'), recipients: [{ mailboxId }] });
    expect(d.messages[0].uid).toBe(3);
    const q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);
  });
});

describe('messages', () => {
  it('select snapshot, \\Recent claimed once, FETCH items and sections with partial byte ranges, \\Seen on BODY[]', async () => {
    const { session, mailboxId } = await freshSession();
    const raw = fs.readFileSync('test/fixtures/mime/nested.eml');
    await deliver(pool, { raw, recipients: [{ mailboxId }], internalDate: new Date('2026-11-24T08:00:00Z') });
    await deliver(pool, { raw: testMessage('second'), recipients: [{ mailboxId }] });

    const sel = await session.select('INBOX');
    expect(sel.uids).toEqual([1, 2]);
    expect(sel.status).toMatchObject({ messages: 2, recent: 2, unseen: 2, uidNext: 3 });
    expect(sel.firstUnseenUid).toBe(1);
    expect([...sel.view.recentUids()]).toEqual([1, 2]);
    const other = await (await store.open(mailboxId)).select('INBOX');
    expect(other.view.recentUids().size).toBe(0);
    expect(other.status.recent).toBe(0);

    const view = sel.view;
    const r = await fetchOne(view, 1, {
      flags: true, size: true, internalDate: true, envelope: true, bodyStructure: true, modseq: true,
      sections: [
        { part: [], specifier: 'HEADER', peek: true },
        { part: [1, 2, 2], peek: true },
        { part: [], partial: { offset: 10, length: 20 }, peek: true },
        { part: [2], partial: { offset: 4, length: 100 }, peek: true },
        { part: [9], peek: true },
        { part: [], specifier: 'HEADER.FIELDS', fields: ['subject'], peek: true },
      ],
    });
    expect(r.size).toBe(raw.length);
    expect(r.internalDate!.toISOString()).toBe('2026-11-24T08:00:00.000Z');
    expect(r.envelope!.subject).toBe('Nested multipart with inline image');
    expect(r.bodyStructure!.kind).toBe('multipart');
    expect(r.flags).toEqual([]);
    const [header, png, partial, pdf, missing, subject] = r.sections!.map((s) => s.data);
    expect(header!.toString()).toMatch(/^From: "Dave \(work\)".*\r\n\r\n$/s);
    expect(png!.toString()).toMatch(/^iVBORw0KGgo.*ggg==$/s);
    expect(partial!.equals(raw.subarray(10, 30))).toBe(true);
    expect(pdf!.toString()).toBe('Ri0xLjQKJcfs');
    expect(missing).toBeNull();
    expect(subject!.toString()).toBe('Subject: Nested multipart with inline image\r\n\r\n');

    // The size we announce equals the bytes we serve.
    const whole = await fetchOne(view, 1, { size: true, sections: [{ part: [], peek: true }] });
    expect(whole.sections![0].data!.equals(raw)).toBe(true);

    // BODY[] (not peek) sets \Seen and reports it; EXAMINE never does.
    const ro = (await (await store.open(mailboxId)).select('INBOX', { readOnly: true })).view;
    const roFetch = await fetchOne(ro, 2, { sections: [{ part: [], specifier: 'TEXT' }] });
    expect(roFetch.flags).toBeUndefined();
    const seen = await fetchOne(view, 2, { sections: [{ part: [], specifier: 'TEXT' }] });
    expect(seen.flags).toEqual(['\\Seen']);
    expect(seen.sections![0].data!.toString()).toBe('Hello.\r\n');
    await expect(ro.storeFlags([1], { op: 'add', flags: ['\\Flagged'] })).rejects.toMatchObject({ code: 'readonly' });
  });

  it('STORE flags with modseq, UNCHANGEDSINCE, and the change feed for another session', async () => {
    const { session, mailboxId } = await freshSession();
    for (let i = 0; i < 3; i++) await deliver(pool, { raw: testMessage(`m${i}`), recipients: [{ mailboxId }] });
    const a = await session.select('INBOX');
    const b = await (await store.open(mailboxId)).select('INBOX');
    const since = { modseq: b.status.highestModseq, uidNext: b.status.uidNext };

    const r1 = await a.view.storeFlags([1, 2], { op: 'add', flags: ['\\seen', 'Work'] });
    expect(r1.updated.map((u) => [u.uid, u.flags])).toEqual([[1, ['\\Seen', 'Work']], [2, ['\\Seen', 'Work']]]);
    const ms = r1.updated[0].modseq;
    expect(ms).toBeGreaterThan(since.modseq);
    await expect(a.view.storeFlags([1], { op: 'add', flags: ['\\Recent', '\\Bogus'] })).rejects.toMatchObject({ code: 'invalid' });

    // Unchanged: no new modseq.
    const r2 = await a.view.storeFlags([1], { op: 'add', flags: ['\\Seen'] });
    expect(r2.updated[0].modseq).toBe(ms);

    const r3 = await a.view.storeFlags([[1, 3]], { op: 'set', flags: ['\\Flagged'], unchangedSince: ms - 1 });
    expect(r3.modified).toEqual([1, 2]);
    expect(r3.updated.map((u) => u.uid)).toEqual([3]);

    await a.view.storeFlags([2], { op: 'remove', flags: ['Work'] });
    expect(await a.view.flagsInUse()).toEqual(expect.arrayContaining(['\\Seen', 'Work']));

    const d = await deliver(pool, { raw: testMessage('m3'), recipients: [{ mailboxId }] });
    const ch = await b.view.changes(since);
    expect(ch.updated.map((u) => [u.uid, u.flags])).toEqual([[1, ['\\Seen', 'Work']], [2, ['\\Seen']], [3, ['\\Flagged']]]);
    expect(ch.added.map((u) => u.uid)).toEqual([d.messages[0].uid]);
    expect(ch.expunged).toEqual([]);
    expect(ch.uidNext).toBe(5);
    // b selected read-write after a: message 4 is b's \Recent now.
    expect(ch.recent).toEqual([4]);
    const again = await b.view.changes({ modseq: ch.highestModseq, uidNext: ch.uidNext });
    expect(again).toMatchObject({ added: [], updated: [], expunged: [] });

    // FETCH CHANGEDSINCE
    const changed = await all(a.view.fetch([[1, 10]], { flags: true, modseq: true }, { changedSince: ms }));
    expect(changed.map((c) => c.uid)).toEqual([2, 3, 4]);
  });

  it('EXPUNGE (all \\Deleted, or UID EXPUNGE), tombstones for other sessions, quota refunded', async () => {
    const { session, mailboxId } = await freshSession();
    for (let i = 0; i < 4; i++) await deliver(pool, { raw: testMessage(`e${i}`), recipients: [{ mailboxId }] });
    const a = await session.select('INBOX');
    const b = await (await store.open(mailboxId)).select('INBOX');
    await a.view.storeFlags([1, 2, 3], { op: 'add', flags: ['\\Deleted'] });
    expect(await a.view.expunge([[3, 4]])).toEqual([3]);
    expect(await a.view.expunge()).toEqual([1, 2]);
    const sel = await session.select('INBOX');
    expect(sel.uids).toEqual([4]);
    const ch = await b.view.changes({ modseq: b.status.highestModseq, uidNext: b.status.uidNext });
    expect(ch.expunged).toEqual([1, 2, 3]);
    expect(ch.updated.map((u) => u.uid)).toEqual([]);
    const q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);
    // Fetching an expunged UID returns nothing for it.
    expect((await all(b.view.fetch([1, 4], { flags: true }))).map((r) => r.uid)).toEqual([4]);
    // Blobs nobody references are collected (best effort, after commit).
    await expect.poll(async () => Number((await pool.query(`SELECT count(*) FROM mail_blobs b WHERE NOT EXISTS (SELECT 1 FROM mail_messages m WHERE m.blob_id = b.id)`)).rows[0].count)).toBe(0);
  });

  it('COPY and MOVE return UID mappings; quota exact after deliver/append/copy/move/expunge/delete', async () => {
    const { session, mailboxId } = await freshSession();
    for (let i = 0; i < 3; i++) await deliver(pool, { raw: testMessage(`c${i}`, 'x'.repeat(100 * (i + 1))), recipients: [{ mailboxId }] });
    const { view } = await session.select('INBOX');
    const copied = await view.copy([[2, 3]], 'Archive');
    const archive = await session.status('Archive');
    expect(copied).toEqual({ uidValidity: archive.uidValidity, mapping: [[2, 1], [3, 2]] });
    let q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);

    const moved = await view.move([1, 3], 'Trash');
    expect(moved.mapping).toEqual([[1, 1], [3, 2]]);
    expect(moved.expunged).toEqual([1, 3]);
    expect((await session.select('INBOX')).uids).toEqual([2]);
    q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);

    const ap = await session.append('Drafts', { size: 31, data: Readable.from([Buffer.from('Subject: draft\r\n\r\n'), Buffer.from('body text..\r\n')]), flags: ['\\Draft'] });
    expect(ap.uid).toBe(1);
    expect(ap.uidValidity).toBe((await session.status('Drafts')).uidValidity);
    await expect(session.append('Nope', { size: 4, data: Buffer.from('a\r\n\r') })).rejects.toMatchObject({ code: 'nonexistent' });
    await expect(session.append('Drafts', { size: 70_000, data: Buffer.alloc(0) })).rejects.toMatchObject({ code: 'toobig' });
    await expect(copied.mapping.length).toBe(2);
    q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);

    await session.deleteFolder('Trash');
    q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);
    const quota = await session.quota();
    expect(quota.usedBytes).toBe(q.actual);
    expect(quota.messages).toBe(4);
  });

  it('refuses APPEND and COPY over quota (and leaves nothing behind)', async () => {
    const msg = testMessage('big', 'y'.repeat(400));
    const { session, mailboxId } = await freshSession(msg.length + 100);
    await deliver(pool, { raw: msg, recipients: [{ mailboxId }] });
    const { view } = await session.select('INBOX');
    const trace = async () => (await pool.query(`SELECT (SELECT count(*) FROM mail_blobs)::int AS blobs, (SELECT uid_next FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX')::int AS next`, [mailboxId])).rows[0];
    const before = await trace();
    await expect(view.copy([1], 'Archive')).rejects.toMatchObject({ code: 'overquota' });
    await expect(session.append('INBOX', { size: msg.length, data: msg })).rejects.toMatchObject({ code: 'overquota' });
    // No stored blob, no UID spent.
    expect(await trace()).toEqual(before);
    expect((await session.status('Archive')).messages).toBe(0);
    expect((await session.status('INBOX')).messages).toBe(1);
    const q = await usedBytes(mailboxId);
    expect(q.used).toBe(msg.length);
    // MOVE never fails on quota: it adds nothing.
    await view.move([1], 'Archive');
    expect((await usedBytes(mailboxId)).used).toBe(msg.length);
  });

  it('allocates UIDs without gaps or duplicates when deliveries and APPENDs race', async () => {
    const { session, mailboxId } = await freshSession();
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => deliver(pool, { raw: testMessage(`race${i}`), recipients: [{ mailboxId }] })),
      ...Array.from({ length: 10 }, (_, i) => session.append('INBOX', { size: testMessage(`ap${i}`).length, data: testMessage(`ap${i}`) })),
    ]);
    const sel = await session.select('INBOX');
    expect(sel.uids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(sel.status.uidNext).toBe(21);
  });
});

describe('isolation', () => {
  it('a session sees and touches only its own mailbox', async () => {
    const a = await freshSession();
    const b = await freshSession();
    await b.session.createFolder('Secret');
    await deliver(pool, { raw: testMessage('for b'), recipients: [{ mailboxId: b.mailboxId }] });
    expect((await a.session.listFolders()).map((f) => f.name)).not.toContain('Secret');
    await expect(a.session.select('Secret')).rejects.toMatchObject({ code: 'nonexistent' });
    await deliver(pool, { raw: testMessage('for a'), recipients: [{ mailboxId: a.mailboxId }] });
    const { view, uids } = await a.session.select('INBOX');
    expect(uids).toEqual([1]);
    await expect(view.copy([1], 'Secret')).rejects.toMatchObject({ code: 'nonexistent' });
    const [r] = await all(view.fetch([1], { envelope: true }));
    expect(r.envelope!.subject).toBe('for a');
    expect((await b.session.status('INBOX')).messages).toBe(1);
    await expect(store.open('00000000-0000-0000-0000-00000000dead')).rejects.toMatchObject({ code: 'nonexistent' });
  });
});

describe('quota under concurrency', () => {
  it('stays exact while sessions copy, move, expunge, append and delete folders at once', async () => {
    const { session, mailboxId } = await freshSession();
    for (let i = 0; i < 12; i++) await deliver(pool, { raw: testMessage(`q${i}`, 'z'.repeat(50 * i)), recipients: [{ mailboxId }] });
    await session.createFolder('Work');
    const s2 = await store.open(mailboxId);
    const a = (await session.select('INBOX')).view;
    const b = (await s2.select('INBOX')).view;
    const ignoreGone = (p: Promise<unknown>) => p.catch((e) => { if (!(e instanceof StoreError)) throw e; });
    await Promise.all([
      ignoreGone(a.copy([[1, 6]], 'Work')),
      b.move([[4, 9]], 'Archive'),
      a.storeFlags([[1, 12]], { op: 'add', flags: ['\\Deleted'] }).then(() => a.expunge([[1, 3]])),
      b.copy([[7, 12]], 'Trash'),
      ignoreGone(session.append('Work', { size: testMessage('ap').length, data: testMessage('ap') })),
      deliver(pool, { raw: testMessage('late'), recipients: [{ mailboxId }] }),
      ignoreGone(s2.deleteFolder('Work')),
      b.expunge(),
    ]);
    const q = await usedBytes(mailboxId);
    expect(q.used).toBe(q.actual);
  });
});

describe('search', () => {
  it('compiles structured keys to SQL and matches text keys over decoded content', async () => {
    const { session, mailboxId } = await freshSession();
    await deliver(pool, { raw: fs.readFileSync('test/fixtures/mime/simple.eml'), recipients: [{ mailboxId }], internalDate: new Date('2026-11-20T12:00:00Z') });
    await deliver(pool, { raw: fs.readFileSync('test/fixtures/mime/nested.eml'), recipients: [{ mailboxId }], internalDate: new Date('2026-11-22T12:00:00Z') });
    await deliver(pool, { raw: fs.readFileSync('test/fixtures/mime/forwarded.eml'), recipients: [{ mailboxId }], internalDate: new Date('2026-11-24T12:00:00Z') });
    const { view } = await session.select('INBOX');
    await view.storeFlags([2], { op: 'add', flags: ['\\Flagged', '\\Seen'] });
    const s = async (key: Parameters<FolderView['search']>[0]) => (await view.search(key)).uids;

    expect(await s({ op: 'all' })).toEqual([1, 2, 3]);
    expect(await s({ op: 'flag', flag: '\\flagged', present: true })).toEqual([2]);
    expect(await s({ op: 'flag', flag: '\\Seen', present: false })).toEqual([1, 3]);
    expect(await s({ op: 'date', field: 'internal', cmp: 'on', day: '2026-11-22' })).toEqual([2]);
    expect(await s({ op: 'date', field: 'internal', cmp: 'before', day: '2026-11-22' })).toEqual([1]);
    expect(await s({ op: 'date', field: 'sent', cmp: 'since', day: '2026-11-24' })).toEqual([2, 3]);
    expect(await s({ op: 'size', cmp: 'larger', bytes: 1000 })).toEqual([2]);
    const ranges: UidRanges = [[2, 3]];
    expect(await s({ op: 'uid', ranges })).toEqual([2, 3]);
    expect(await s({ op: 'or', keys: [{ op: 'uid', ranges: [[1, 1]] }, { op: 'flag', flag: '\\Flagged', present: true }] })).toEqual([1, 2]);
    expect(await s({ op: 'recent' })).toEqual([1, 2, 3]);
    // Text keys: encoded-word subject, decoded QP body (Café), header field, NOT over text.
    expect(await s({ op: 'header', field: 'subject', value: 'grüße' })).toEqual([1]);
    expect(await s({ op: 'header', field: 'from', value: 'DAVE' })).toEqual([2]);
    expect(await s({ op: 'body', value: 'café' })).toEqual([2, 3]);
    expect(await s({ op: 'text', value: 'ümlauts' })).toEqual([1]);
    expect(await s({ op: 'not', key: { op: 'body', value: 'café' } })).toEqual([1]);
    expect(await s({ op: 'and', keys: [{ op: 'body', value: 'numbers' }, { op: 'flag', flag: '\\Seen', present: false }] })).toEqual([3]);
    const ms = await view.search({ op: 'modseq', min: 2 });
    expect(ms.uids).toEqual([1, 2, 3]);
    expect(ms.highestModseq).toBeGreaterThan(3);
  });
});

describe('notifications', () => {
  it('delivers cross-process events to watch() listeners of the mailbox', async () => {
    const { session, mailboxId } = await freshSession();
    const events: MailboxEvent[] = [];
    const off = session.watch((e) => events.push(e));
    const d = await deliver(pool, { raw: testMessage('notify'), recipients: [{ mailboxId }] });
    await expect.poll(() => events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ folderId: d.messages[0].folderId, kind: 'messages' });
    off();
    session.close();
  });
});

// Where a stored message's body starts is a column of its own (mail_blobs.body_offset), so that
// FETCH of the message's own sections reads no MIME index: every way a message is stored writes it,
// equal to the index's root.b; a row without it (written by a daemon older than the column, during
// a rolling upgrade) serves the same bytes from the index; the migration fills it for older rows.
const nested = fs.readFileSync('test/fixtures/mime/nested.eml');
const SECTIONS: SectionSpec[] = [
  { part: [], specifier: 'HEADER', peek: true },
  { part: [], specifier: 'TEXT', peek: true },
  { part: [], peek: true },
  { part: [], specifier: 'HEADER.FIELDS', fields: ['subject'], peek: true },
  { part: [], partial: { offset: 10, length: 20 }, peek: true },
];

async function inbox(address: string) {
  const { mailboxId } = await createTestMailbox(pool, address);
  await deliver(pool, { raw: nested, recipients: [{ mailboxId }] });
  await deliver(pool, { raw: testMessage('second'), recipients: [{ mailboxId }] });
  const fetchAll = async () => {
    const { view } = await (await store.open(mailboxId)).select('INBOX');
    return (await all(view.fetch([[1, 2]], { sections: SECTIONS }))).map((r) => r.sections!.map((s) => s.data!.toString('latin1')));
  };
  return { mailboxId, fetchAll };
}

const offsets = (mailboxId: string) =>
  pool.query<{ body_offset: number | null; root_b: number }>(
    `SELECT b.body_offset, (b.mime->'root'->>'b')::int AS root_b
       FROM mail_blobs b JOIN mail_messages m ON m.blob_id = b.id JOIN mail_folders f ON f.id = m.folder_id
      WHERE f.mailbox_id = $1 ORDER BY m.uid`,
    [mailboxId],
  );

/** The mailbox's blobs as a daemon older than the column stores them. */
const forgetOffsets = (mailboxId: string) =>
  pool.query(
    `UPDATE mail_blobs SET body_offset = NULL WHERE id IN (SELECT m.blob_id FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1)`,
    [mailboxId],
  );

describe('mail_blobs.body_offset', () => {
  it('is written by delivery and by APPEND, equal to the MIME index root.b', async () => {
    const { mailboxId } = await inbox('offset1@offset.test');
    const appended = testMessage('appended');
    await appendMessages(pool, mailboxId, 64 * 1024, 'INBOX', [{ size: appended.length, data: appended }]);
    const { rows } = await offsets(mailboxId);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.body_offset).toBe(r.root_b);
    expect(rows[0].body_offset).toBe(nested.indexOf('\r\n\r\n') + 4);
  });

  it('a row without it serves the same sections, from the MIME index', async () => {
    const { mailboxId, fetchAll } = await inbox('offset2@offset.test');
    const before = await fetchAll();
    expect(before[0][0]).toBe(nested.subarray(0, nested.indexOf('\r\n\r\n') + 4).toString('latin1'));
    expect(before[0][0] + before[0][1]).toBe(before[0][2]);
    expect(before[0][3]).toBe('Subject: Nested multipart with inline image\r\n\r\n');
    await forgetOffsets(mailboxId);
    expect((await offsets(mailboxId)).rows.map((r) => r.body_offset)).toEqual([null, null]);
    expect(await fetchAll()).toEqual(before);
  });

  it('the migration fills it for rows stored before it', async () => {
    const { mailboxId } = await inbox('offset3@offset.test');
    const expected = (await offsets(mailboxId)).rows.map((r) => r.root_b);
    await forgetOffsets(mailboxId);
    await pool.query(fs.readFileSync('prisma/migrations/20261206210000_blob_body_offset/migration.sql', 'utf8'));
    expect((await offsets(mailboxId)).rows.map((r) => r.body_offset)).toEqual(expected);
  });
});
