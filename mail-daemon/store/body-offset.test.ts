// Where a stored message's body starts is a column of its own (mail_blobs.body_offset), so that
// FETCH of the message's own sections reads no MIME index. What must hold: every way a message is
// stored writes it, equal to the index's root.b; a row without it (written by a daemon older than
// the column, during a rolling upgrade) serves the same bytes from the index; and the migration
// fills it for the rows stored before it.
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyBus } from '@/lib/db/notify';
import type { FetchResult, SectionSpec } from '@/mail-daemon/imap/backend';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox, testMessage } from '@/mail-daemon/testing/mailbox';
import { appendMessages } from './append';
import { deliver } from './deliver';
import { createPgMailStore, type PgMailStore } from './pg-store';

let db: TestDatabase;
let pool: pg.Pool;
let bus: NotifyBus;
let store: PgMailStore;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(4);
  bus = new NotifyBus(db.url);
  await bus.start();
  store = createPgMailStore({ pool, bus, limits: { appendLimit: 64 * 1024 } });
});
afterAll(async () => {
  await bus.close();
  await pool.end();
  await db.drop();
});

const nested = fs.readFileSync('test/fixtures/mime/nested.eml');
const SECTIONS: SectionSpec[] = [
  { part: [], specifier: 'HEADER', peek: true },
  { part: [], specifier: 'TEXT', peek: true },
  { part: [], peek: true },
  { part: [], specifier: 'HEADER.FIELDS', fields: ['subject'], peek: true },
  { part: [], partial: { offset: 10, length: 20 }, peek: true },
];

async function all(it: AsyncIterable<FetchResult>): Promise<FetchResult[]> {
  const out: FetchResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

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
    await pool.query(
      `UPDATE mail_blobs SET body_offset = NULL WHERE id IN (SELECT m.blob_id FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1)`,
      [mailboxId],
    );
    expect((await offsets(mailboxId)).rows.map((r) => r.body_offset)).toEqual([null, null]);
    expect(await fetchAll()).toEqual(before);
  });

  it('the migration fills it for rows stored before it', async () => {
    const { mailboxId } = await inbox('offset3@offset.test');
    const expected = (await offsets(mailboxId)).rows.map((r) => r.root_b);
    await pool.query(
      `UPDATE mail_blobs SET body_offset = NULL WHERE id IN (SELECT m.blob_id FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1)`,
      [mailboxId],
    );
    await pool.query(fs.readFileSync('prisma/migrations/20261206210000_blob_body_offset/migration.sql', 'utf8'));
    expect((await offsets(mailboxId)).rows.map((r) => r.body_offset)).toEqual(expected);
  });
});
