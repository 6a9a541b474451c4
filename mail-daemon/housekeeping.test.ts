import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { housekeepingPass } from './housekeeping';
import { PolicyCache } from './services/policy-cache';
import { deliver } from './store';
import { createTestMailbox, testMessage } from '@/mail-daemon/testing/mailbox';

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('housekeeping', () => {
  it('frees the raw mail of a deleted mailbox and expired throttle counters, and keeps what is still used', async () => {
    const gone = await createTestMailbox(pool, 'gone@house.test');
    const kept = await createTestMailbox(pool, 'kept@house.test');
    await deliver(pool, { raw: testMessage('for gone'), recipients: [{ mailboxId: gone.mailboxId }] });
    await deliver(pool, { raw: testMessage('for kept'), recipients: [{ mailboxId: kept.mailboxId }] });
    await pool.query('DELETE FROM mailboxes WHERE id = $1', [gone.mailboxId]);
    // Only blobs orphaned for a while are swept (a delivery may be between its inserts).
    await pool.query(`UPDATE mail_blobs SET created_at = now() - interval '2 hours'`);
    await pool.query(
      `INSERT INTO auth_throttle (key, failures, window_start, locked_until) VALUES
         ('ip:192.0.2.1', 3, now() - interval '2 days', NULL),
         ('ip:192.0.2.2', 9, now() - interval '2 days', now() + interval '1 hour'),
         ('ip:192.0.2.3', 1, now(), NULL)`,
    );

    expect(await housekeepingPass(db.prisma, pool, new PolicyCache(db.prisma))).toEqual({ outbound: 0, blobs: 1, throttleRows: 1, greylist: 0, daemonRows: 0 });
    const { rows: blobs } = await pool.query('SELECT count(*)::int AS n FROM mail_blobs');
    expect(blobs[0].n).toBe(1);
    const { rows: keys } = await pool.query('SELECT key FROM auth_throttle ORDER BY key');
    expect(keys.map((r) => r.key)).toEqual(['ip:192.0.2.2', 'ip:192.0.2.3']);
    expect(await housekeepingPass(db.prisma, pool, new PolicyCache(db.prisma))).toEqual({ outbound: 0, blobs: 0, throttleRows: 0, greylist: 0, daemonRows: 0 });
  });

  it('deletes daemon_status rows of daemons without a heartbeat for a day, keeps those merely gone', async () => {
    await pool.query(
      `INSERT INTO daemon_status (instance_id, hostname, version, started_at, heartbeat_at) VALUES
         ('crashed-yesterday', 'mx1', '1', now() - interval '3 days', now() - interval '25 hours'),
         ('crashed-just-now', 'mx2', '1', now() - interval '1 hour', now() - interval '1 minute')`,
    );
    expect(await housekeepingPass(db.prisma, pool, new PolicyCache(db.prisma))).toMatchObject({ daemonRows: 1 });
    const { rows } = await pool.query('SELECT instance_id FROM daemon_status');
    expect(rows.map((r) => r.instance_id)).toEqual(['crashed-just-now']);
    await pool.query('DELETE FROM daemon_status');
  });

  it('forgets outbound mail finished longer ago than outboundRetentionDays, then its raw message', async () => {
    const queue = async (queueId: string, finishedDaysAgo: number | null) => {
      await deliver(pool, { raw: testMessage(queueId), recipients: [] }, async (tx, { blobId }) => {
        await tx.query(
          `INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, status, finished_at)
           VALUES ($1, $2, 'a@house.test', 'b@far.test', 'far.test', $3, now() - make_interval(days => $4))`,
          [queueId, blobId, finishedDaysAgo === null ? 'DEFERRED' : 'SENT', finishedDaysAgo ?? 0],
        );
        if (finishedDaysAgo === null) await tx.query(`UPDATE outbound_queue SET finished_at = NULL WHERE queue_id = $1`, [queueId]);
      });
    };
    await queue('OLD', 31);
    await queue('RECENT', 29);
    await queue('WAITING', null);
    await pool.query(`UPDATE mail_blobs SET created_at = now() - interval '40 days'`);
    const done = await housekeepingPass(db.prisma, pool, new PolicyCache(db.prisma));
    expect(done).toMatchObject({ outbound: 1, blobs: 1 });
    const { rows } = await pool.query('SELECT queue_id FROM outbound_queue ORDER BY queue_id');
    expect(rows.map((r) => r.queue_id)).toEqual(['RECENT', 'WAITING']);
  });
});
