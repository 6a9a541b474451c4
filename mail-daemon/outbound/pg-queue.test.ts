import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../store';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { createTestMailbox, testMessage } from '../testing/mailbox';
import { createPgQueue, enqueue } from './pg-queue';
import type { RecipientUpdate } from './queue';
import type { AttemptFacts } from './types';

// The queue's promises to several daemons sharing it: a row is claimed by one at a time,
// a lease that expires gives the work back, and a daemon that lost its lease writes nothing.

let db: TestDatabase;
let pool: pg.Pool;

const FACTS: AttemptFacts = {
  mxHost: 'mx.remote.test', ip: '127.0.0.2', port: 25, tlsVersion: 'TLSv1.3', tlsCipher: 'TLS_AES_256_GCM_SHA384',
  verification: 'pkix', mtaSts: null, durationMs: 12,
};

async function queueMessage(queueId: string, rcpts: string[], mailFrom = 'alice@local.test'): Promise<void> {
  await deliver(pool, { raw: testMessage(queueId), recipients: [] }, (tx, { blobId }) =>
    enqueue(tx, { queueId, blobId, mailFrom, authUser: mailFrom, recipients: rcpts.map((address) => ({ address })) }),
  );
}

const sent = (id: string, address: string): RecipientUpdate => ({ id, state: 'sent', outcome: { address, outcome: 'sent', code: 250, enhanced: '2.0.0', reply: 'ok' } });

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(20);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('claims', () => {
  it('groups one message’s recipients by destination domain, and notifies on enqueue', async () => {
    const listener = await pool.connect();
    const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.channel)));
    await listener.query('LISTEN postern_outbound');
    await queueMessage('G1', ['a@one.test', 'b@one.test', 'c@Two.TEST']);
    expect(await heard).toBe('postern_outbound');
    listener.release();

    const queue = createPgQueue(pool);
    const groups = await queue.claim('daemon-a', 10, 60);
    expect(groups.map((g) => [g.domain, g.recipients.map((r) => r.rcpt).sort()]).sort()).toEqual([
      ['one.test', ['a@one.test', 'b@one.test']],
      ['two.test', ['c@Two.TEST']],
    ]);
    // Held: nobody else gets them while the lease lives.
    expect(await queue.claim('daemon-b', 10, 60)).toEqual([]);
    await queue.release('daemon-a');
    expect((await queue.claim('daemon-b', 10, 60)).length).toBe(2);
    await queue.release('daemon-b');
    await pool.query(`DELETE FROM outbound_queue`);
  });

  it('two daemons claiming at once never share a row', async () => {
    for (let i = 0; i < 40; i++) await queueMessage(`P${i}`, [`r${i}@par.test`]);
    const queue = createPgQueue(pool);
    const [a, b] = await Promise.all([
      (async () => (await Promise.all([1, 2, 3, 4].map(() => queue.claim('daemon-a', 5, 60)))).flat())(),
      (async () => (await Promise.all([1, 2, 3, 4].map(() => queue.claim('daemon-b', 5, 60)))).flat())(),
    ]);
    const ids = [...a, ...b].flatMap((g) => g.recipients.map((r) => r.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.length).toBe(40);
    await pool.query(`DELETE FROM outbound_queue`);
  });

  it('an expired lease gives the work back; the daemon that lost it writes nothing', async () => {
    await queueMessage('L1', ['x@lease.test']);
    const queue = createPgQueue(pool);
    const [first] = await queue.claim('daemon-a', 10, 1);
    // The lease ran out (a daemon died): the row is due again.
    await pool.query(`UPDATE outbound_queue SET lease_until = now() - interval '1 second', next_attempt_at = now() - interval '1 second'`);
    const [second] = await queue.claim('daemon-b', 10, 60);
    expect(second.recipients[0].id).toBe(first.recipients[0].id);

    const id = first.recipients[0].id;
    expect(await queue.finish('daemon-a', first, FACTS, [sent(id, 'x@lease.test')], null)).toEqual([]);
    const attempts = await pool.query('SELECT count(*)::int AS n FROM outbound_attempts');
    expect(attempts.rows[0].n).toBe(0);

    expect(await queue.finish('daemon-b', second, FACTS, [sent(id, 'x@lease.test')], null)).toEqual([id]);
    const row = await pool.query(`SELECT status, attempts, lease_owner, last_code, finished_at FROM outbound_queue WHERE id = $1`, [id]);
    expect(row.rows[0]).toMatchObject({ status: 'SENT', attempts: 1, lease_owner: null, last_code: 250 });
    expect(row.rows[0].finished_at).toBeInstanceOf(Date);
    const log = await pool.query(`SELECT mx_host, ip, tls_version, tls_verification, outcome, code, instance_id FROM outbound_attempts`);
    expect(log.rows).toEqual([{ mx_host: 'mx.remote.test', ip: '127.0.0.2', tls_version: 'TLSv1.3', tls_verification: 'pkix', outcome: 'sent', code: 250, instance_id: 'daemon-b' }]);
    await pool.query(`DELETE FROM outbound_queue`);
  });

  it('a deferred recipient waits for its next attempt time', async () => {
    await queueMessage('D1', ['y@later.test']);
    const queue = createPgQueue(pool);
    const [g] = await queue.claim('daemon-a', 10, 60);
    const next = new Date(Date.now() + 3_600_000);
    const update: RecipientUpdate = {
      id: g.recipients[0].id, state: 'deferred', nextAttemptAt: next, delayNotified: false,
      outcome: { address: 'y@later.test', outcome: 'deferred', code: 451, enhanced: '4.3.0', reply: 'try later' },
    };
    await queue.finish('daemon-a', g, FACTS, [update], null);
    expect(await queue.claim('daemon-a', 10, 60)).toEqual([]);
    expect((await queue.nextDue())?.getTime()).toBe(next.getTime());
    await pool.query(`DELETE FROM outbound_queue`);
  });
});

describe('notices', () => {
  it('a notice for a local sender lands in its INBOX in the same transaction as the bounce', async () => {
    const { mailboxId } = await createTestMailbox(pool, 'sender@local.test');
    await queueMessage('N1', ['gone@far.test'], 'sender@local.test');
    const queue = createPgQueue(pool);
    const [g] = await queue.claim('daemon-a', 10, 60);
    const update: RecipientUpdate = { id: g.recipients[0].id, state: 'bounced', outcome: { address: 'gone@far.test', outcome: 'failed', code: 550, enhanced: '5.1.1', reply: 'no such user' } };
    await queue.finish('daemon-a', g, FACTS, [update], { raw: testMessage('bounce'), mailboxIds: [mailboxId], remote: [] });
    const inbox = await pool.query(
      `SELECT count(*)::int AS n FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1 AND f.name = 'INBOX'`,
      [mailboxId],
    );
    expect(inbox.rows[0].n).toBe(1);
    expect((await pool.query(`SELECT status FROM outbound_queue WHERE id = $1`, [g.recipients[0].id])).rows[0].status).toBe('BOUNCED');
  });

  it('a notice for a remote sender is queued from the null reverse-path', async () => {
    await queueMessage('N2', ['gone@far.test'], 'someone@elsewhere.test');
    const queue = createPgQueue(pool);
    const [g] = await queue.claim('daemon-a', 10, 60);
    const update: RecipientUpdate = { id: g.recipients[0].id, state: 'bounced', outcome: { address: 'gone@far.test', outcome: 'failed', code: 550, enhanced: '5.1.1', reply: 'no such user' } };
    await queue.finish('daemon-a', g, FACTS, [update], { raw: testMessage('bounce2'), mailboxIds: [], remote: ['someone@elsewhere.test'] });
    const q = await pool.query(`SELECT mail_from, rcpt, domain, status FROM outbound_queue WHERE queue_id = 'N2.dsn'`);
    expect(q.rows).toEqual([{ mail_from: '', rcpt: 'someone@elsewhere.test', domain: 'elsewhere.test', status: 'QUEUED' }]);
  });
});
