// The migration that makes subscriptions rows of their own, run over a database that has mail:
// subscribed folders become subscriptions (unsubscribed ones do not), the folder column goes,
// INTERNALDATE zones start at +0000, and stored NIL keywords are removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '@/lib/db/migrate';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';

const MIGRATION = '20261203161606_imap_subscriptions';
let db: TestDatabase;
let before: string;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  for (const name of fs.readdirSync(MIGRATIONS_DIR).filter((n) => n < MIGRATION)) {
    fs.cpSync(path.join(MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
  }
  await migrate(db.url, before);
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(before, { recursive: true, force: true });
});

it('moves subscribed folders to mail_subscriptions and drops NIL keywords', async () => {
  const pool = db.pool(2);
  try {
    const { mailboxId } = await createTestMailbox(pool, `mig-${Date.now()}@example.com`);
    const folders = await pool.query<{ id: string; name: string }>(
      `INSERT INTO mail_folders (mailbox_id, name, subscribed) VALUES ($1, 'INBOX', true), ($1, 'Kept', true), ($1, 'Hidden', false)
       RETURNING id, name`,
      [mailboxId],
    );
    const inbox = folders.rows.find((f) => f.name === 'INBOX')!.id;
    const blob = await pool.query<{ id: string }>(
      `INSERT INTO mail_blobs (size, sha256, raw, mime) VALUES (1, 'x', '\\x41'::bytea, '{}'::jsonb) RETURNING id`,
    );
    await pool.query(
      `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq)
       VALUES ($1, 1, $2, ARRAY['\\Seen', 'NIL', '$ok', 'nil'], now(), 1, 1)`,
      [inbox, blob.rows[0].id],
    );
    expect(await migrate(db.url)).toContain(MIGRATION);
    const subs = await pool.query('SELECT name FROM mail_subscriptions WHERE mailbox_id = $1 ORDER BY name', [mailboxId]);
    expect(subs.rows.map((r) => r.name)).toEqual(['INBOX', 'Kept']);
    const column = await pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'mail_folders' AND column_name = 'subscribed'`);
    expect(column.rowCount).toBe(0);
    const msg = await pool.query('SELECT flags, internal_date_zone FROM mail_messages WHERE folder_id = $1', [inbox]);
    expect(msg.rows[0]).toEqual({ flags: ['\\Seen', '$ok'], internal_date_zone: 0 });
  } finally {
    await pool.end();
  }
});
