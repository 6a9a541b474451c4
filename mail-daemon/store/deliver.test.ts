import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { CHANNELS } from '@/lib/db/channels';
import { sweepOrphanBlobs } from './blobs';
import { deliver } from './deliver';
import { createTestMailbox, testMessage } from '@/mail-daemon/testing/mailbox';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(8);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const used = async (mailboxId: string) => Number((await pool.query(`SELECT used_bytes FROM mailboxes WHERE id = $1`, [mailboxId])).rows[0].used_bytes);

describe('deliver', () => {
  it('stores the raw message once, one INBOX message per recipient, default folders, exact quota, NOTIFY on commit', async () => {
    const a = await createTestMailbox(pool, 'a@deliver.test');
    const b = await createTestMailbox(pool, 'b@deliver.test');
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const notices: unknown[] = [];
    listener.on('notification', (n) => notices.push(JSON.parse(n.payload!)));
    await listener.query(`LISTEN ${CHANNELS.mailstore}`);

    const raw = testMessage('first');
    let hookSaw: unknown;
    const stored = await deliver(pool, { raw, recipients: [{ mailboxId: a.mailboxId }, { mailboxId: b.mailboxId }, { mailboxId: a.mailboxId }] }, async (tx, s) => {
      hookSaw = (await tx.query('SELECT count(*)::int AS n FROM mail_messages WHERE blob_id = $1', [s.blobId])).rows[0].n;
    });
    expect(hookSaw).toBe(2);
    expect(stored.messages.map((m) => m.uid)).toEqual([1, 1]);
    expect((await pool.query('SELECT count(*)::int AS n FROM mail_blobs')).rows[0].n).toBe(1);
    const folders = await pool.query(`SELECT name, special_use FROM mail_folders WHERE mailbox_id = $1 ORDER BY name`, [a.mailboxId]);
    expect(folders.rows.map((r) => `${r.name}:${r.special_use ?? ''}`)).toEqual([
      'Archive:\\Archive', 'Drafts:\\Drafts', 'INBOX:', 'Junk:\\Junk', 'Sent:\\Sent', 'Trash:\\Trash',
    ]);
    expect(await used(a.mailboxId)).toBe(raw.length);
    expect(await used(b.mailboxId)).toBe(raw.length);

    // NOTIFY arrives after commit (a round trip on the listener flushes it).
    await listener.query('SELECT 1');
    await expect.poll(() => notices.length).toBe(2);
    expect(notices[0]).toMatchObject({ kind: 'messages', modseq: 2 });
    await listener.end();

    const again = await deliver(pool, { raw: testMessage('second'), recipients: [{ mailboxId: a.mailboxId }] });
    expect(again.messages[0].uid).toBe(2);
  });

  it('writes nothing when the hook (or anything) fails', async () => {
    const c = await createTestMailbox(pool, 'c@deliver.test');
    const before = (await pool.query('SELECT count(*)::int AS n FROM mail_blobs')).rows[0].n;
    await expect(
      deliver(pool, { raw: testMessage('fails'), recipients: [{ mailboxId: c.mailboxId }] }, async () => {
        throw new Error('receipt insert failed');
      }),
    ).rejects.toThrow('receipt insert failed');
    expect((await pool.query('SELECT count(*)::int AS n FROM mail_blobs')).rows[0].n).toBe(before);
    expect(await used(c.mailboxId)).toBe(0);
    expect((await pool.query('SELECT count(*)::int AS n FROM mail_folders WHERE mailbox_id = $1', [c.mailboxId])).rows[0].n).toBe(0);
  });

  it('allocates distinct consecutive UIDs under concurrent deliveries', async () => {
    const d = await createTestMailbox(pool, 'd@deliver.test');
    const e = await createTestMailbox(pool, 'e@deliver.test');
    const runs = Array.from({ length: 20 }, (_, i) =>
      deliver(pool, { raw: testMessage(`c${i}`), recipients: i % 2 ? [{ mailboxId: d.mailboxId }, { mailboxId: e.mailboxId }] : [{ mailboxId: e.mailboxId }, { mailboxId: d.mailboxId }] }),
    );
    await Promise.all(runs);
    for (const m of [d, e]) {
      const r = await pool.query(
        `SELECT array_agg(uid::int ORDER BY uid) AS uids, array_agg(modseq::int ORDER BY modseq) AS ms, max(f.uid_next)::int AS next, sum(size)::int AS total
           FROM mail_messages JOIN mail_folders f ON f.id = folder_id WHERE f.mailbox_id = $1`,
        [m.mailboxId],
      );
      expect(r.rows[0].uids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(r.rows[0].ms).size).toBe(20);
      expect(r.rows[0].next).toBe(21);
      expect(await used(m.mailboxId)).toBe(r.rows[0].total);
    }
  });

  it('stores bare-LF messages with CRLF line ends, charging the stored size', async () => {
    const f = await createTestMailbox(pool, 'f@deliver.test');
    const raw = Buffer.from('Subject: lf\nFrom: a@b\n\nline\n');
    const stored = await deliver(pool, { raw, recipients: [{ mailboxId: f.mailboxId }] });
    const row = (await pool.query('SELECT raw, size FROM mail_blobs WHERE id = $1', [stored.blobId])).rows[0];
    expect(row.raw.toString()).toBe('Subject: lf\r\nFrom: a@b\r\n\r\nline\r\n');
    expect(row.size).toBe(row.raw.length);
    expect(await used(f.mailboxId)).toBe(row.raw.length);
  });

  it('stores the blob even with no local recipient, for the hook to reference', async () => {
    let seen = '';
    const stored = await deliver(pool, { raw: testMessage('remote only'), recipients: [] }, async (tx, s) => {
      seen = (await tx.query('SELECT id FROM mail_blobs WHERE id = $1', [s.blobId])).rows[0].id;
    });
    expect(stored.messages).toEqual([]);
    expect(seen).toBe(stored.blobId);
  });

  it('sweeps blobs left behind by a deleted mailbox', async () => {
    const g = await createTestMailbox(pool, 'g@deliver.test');
    const stored = await deliver(pool, { raw: testMessage('orphan'), recipients: [{ mailboxId: g.mailboxId }] });
    await pool.query('DELETE FROM mailboxes WHERE id = $1', [g.mailboxId]);
    expect(await sweepOrphanBlobs(pool, { olderThanSeconds: 3600 })).toBe(0);
    expect(await sweepOrphanBlobs(pool, { olderThanSeconds: 0 })).toBeGreaterThanOrEqual(1);
    expect((await pool.query('SELECT 1 FROM mail_blobs WHERE id = $1', [stored.blobId])).rowCount).toBe(0);
  });
});
