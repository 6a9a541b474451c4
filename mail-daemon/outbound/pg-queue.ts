// The outbound queue on Postgres. Several daemons share it: a claim locks due rows with
// FOR UPDATE SKIP LOCKED (two daemons never take the same row) and stamps a lease; a
// daemon that dies mid-delivery gives the rows back when the lease expires. Every write
// after an attempt checks the lease is still ours, so a daemon that lost its lease (it
// stalled longer than the lease) cannot overwrite the work of the one that took over.
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import { splitAddress } from '@/lib/validations/address';
import { deliver } from '../store';
import type { ClaimedGroup, QueueStore, QueuedRecipient, RecipientUpdate } from './queue';
import type { AttemptFacts } from './types';

/** What a new queue entry holds; one row per recipient. */
export interface EnqueueInput {
  queueId: string;
  blobId: string;
  mailFrom: string;
  authUser: string | null;
  recipients: Array<{ address: string; notify?: string[] | null; orcpt?: string | null }>;
  ret?: 'FULL' | 'HDRS' | null;
  envid?: string | null;
}

/** Queues remote recipients inside the caller's transaction; runners wake when it commits. */
export async function enqueue(tx: pg.ClientBase, input: EnqueueInput): Promise<void> {
  if (!input.recipients.length) return;
  await tx.query(
    `INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, auth_user, dsn_notify, dsn_orcpt, dsn_ret, dsn_envid)
     SELECT $1, $2, $3, r.rcpt, r.domain, $4,
            CASE WHEN r.notify = '' THEN NULL ELSE string_to_array(r.notify, ',') END, NULLIF(r.orcpt, ''), $7, $8
       FROM unnest($5::text[], $6::text[], $9::text[], $10::text[]) AS r(rcpt, notify, orcpt, domain)`,
    [
      input.queueId, input.blobId, input.mailFrom, input.authUser,
      input.recipients.map((r) => r.address),
      input.recipients.map((r) => (r.notify?.length ? r.notify.join(',') : '')),
      input.ret ?? null, input.envid ?? null,
      input.recipients.map((r) => r.orcpt ?? ''),
      input.recipients.map((r) => splitAddress(r.address).domain.toLowerCase()),
    ],
  );
  await tx.query('SELECT pg_notify($1, $2)', [CHANNELS.outbound, '{}']);
}

interface ClaimedRow {
  id: string;
  queue_id: string;
  blob_id: string;
  mail_from: string;
  rcpt: string;
  domain: string;
  attempts: number;
  created_at: Date;
  dsn_notify: string[] | null;
  dsn_orcpt: string | null;
  dsn_ret: string | null;
  dsn_envid: string | null;
  delay_notified_at: Date | null;
  bounce_requested_at: Date | null;
}

/** Waiting, due, and not held by a live lease. */
const due = (t: string, status = `IN ('QUEUED', 'DEFERRED')`) =>
  `${t}.status ${status} AND ${t}.next_attempt_at <= now() AND (${t}.lease_until IS NULL OR ${t}.lease_until < now())`;

/**
 * The oldest due rows of one status, in the order of the (status, next_attempt_at) index, so
 * a claim reads a few index entries instead of sorting the whole queue.
 */
const oldestDue = (status: 'QUEUED' | 'DEFERRED') =>
  `SELECT o.queue_id, o.domain, o.next_attempt_at FROM outbound_queue o WHERE ${due('o', `= '${status}'`)}
     ORDER BY o.next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

export function createPgQueue(pool: pg.Pool): QueueStore {
  return {
    async claim(owner, limit, leaseSeconds) {
      // First the oldest due rows (one per group is enough), then every due row of the same
      // message and destination, so their recipients share one SMTP transaction.
      const { rows } = await pool.query<ClaimedRow>(
        `WITH queued AS (${oldestDue('QUEUED')}), deferred AS (${oldestDue('DEFERRED')}), picked AS (
           SELECT queue_id, domain FROM (SELECT * FROM queued UNION ALL SELECT * FROM deferred) AS d
            ORDER BY next_attempt_at LIMIT $2
         ), grouped AS (
           SELECT q.id FROM outbound_queue q JOIN (SELECT DISTINCT queue_id, domain FROM picked) p USING (queue_id, domain)
            WHERE ${due('q')}
            FOR UPDATE OF q SKIP LOCKED
         )
         -- While leased, the row is next due when its lease ends (a daemon that died gives it back then).
         UPDATE outbound_queue q SET lease_owner = $1, lease_until = now() + make_interval(secs => $3),
                next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
           FROM grouped WHERE q.id = grouped.id
         RETURNING q.id, q.queue_id, q.blob_id, q.mail_from, q.rcpt, q.domain, q.attempts, q.created_at, q.dsn_notify,
                   q.dsn_orcpt, q.dsn_ret, q.dsn_envid, q.delay_notified_at, q.bounce_requested_at`,
        [owner, limit, leaseSeconds],
      );
      if (!rows.length) return [];
      // The bodies of every claimed message in one query.
      const blobs = await pool.query<{ id: string; raw: Buffer }>('SELECT id, raw FROM mail_blobs WHERE id = ANY($1::uuid[])', [
        [...new Set(rows.map((r) => r.blob_id))],
      ]);
      return groupRows(rows, new Map(blobs.rows.map((b) => [b.id, b.raw])));
    },

    async renew(owner, ids, leaseSeconds) {
      if (!ids.length) return;
      await pool.query(
        `UPDATE outbound_queue SET lease_until = now() + make_interval(secs => $3), next_attempt_at = now() + make_interval(secs => $3)
          WHERE id = ANY($2::uuid[]) AND lease_owner = $1`,
        [owner, ids, leaseSeconds],
      );
    },

    async finish(owner, group, attempt, updates, notice) {
      // Without a notice, one autocommitted statement; with one, deliver() stores the notice
      // (into local INBOXes when the sender is ours) in the same transaction as the states:
      // the bounce exists exactly when the state says so.
      if (!notice) return recordAttempt(pool, owner, group, attempt, updates);
      let kept: string[] = [];
      try {
        await deliver(pool, { raw: notice.raw, recipients: notice.mailboxIds.map((mailboxId) => ({ mailboxId })) }, async (tx, stored) => {
          kept = await recordAttempt(tx, owner, group, attempt, updates);
          if (!kept.length) throw new LeaseLost();
          if (notice.remote.length) {
            await enqueue(tx, { queueId: `${group.queueId}.dsn`, blobId: stored.blobId, mailFrom: '', authUser: null, recipients: notice.remote.map((address) => ({ address })) });
          }
        });
      } catch (err) {
        if (err instanceof LeaseLost) return [];
        throw err;
      }
      return kept;
    },

    async release(owner) {
      await pool.query(`UPDATE outbound_queue SET lease_owner = NULL, lease_until = NULL, next_attempt_at = now() WHERE lease_owner = $1`, [owner]);
    },

    async nextDue() {
      // Two index lookups (one per waiting status), not a scan of the queue.
      const { rows } = await pool.query<{ at: Date | null }>(
        `SELECT least((SELECT min(next_attempt_at) FROM outbound_queue WHERE status = 'QUEUED'),
                      (SELECT min(next_attempt_at) FROM outbound_queue WHERE status = 'DEFERRED')) AS at`,
      );
      return rows[0]?.at ?? null;
    },
  };
}

class LeaseLost extends Error {}

function groupRows(rows: ClaimedRow[], raws: Map<string, Buffer>): ClaimedGroup[] {
  const groups = new Map<string, ClaimedGroup>();
  for (const r of rows) {
    const key = `${r.queue_id}\n${r.domain}\n${r.blob_id}\n${r.mail_from}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        queueId: r.queue_id, blobId: r.blob_id, mailFrom: r.mail_from, domain: r.domain, createdAt: r.created_at,
        dsnRet: r.dsn_ret === 'FULL' || r.dsn_ret === 'HDRS' ? r.dsn_ret : null, dsnEnvid: r.dsn_envid, recipients: [],
        raw: raws.get(r.blob_id) ?? Buffer.alloc(0),
      };
      groups.set(key, g);
    }
    if (r.created_at < g.createdAt) g.createdAt = r.created_at;
    const recipient: QueuedRecipient = {
      id: r.id, rcpt: r.rcpt, attempts: r.attempts, dsnNotify: r.dsn_notify, dsnOrcpt: r.dsn_orcpt,
      delayNotified: r.delay_notified_at !== null, bounceRequested: r.bounce_requested_at !== null,
    };
    g.recipients.push(recipient);
  }
  return [...groups.values()];
}

const STATUS = { sent: 'SENT', bounced: 'BOUNCED', deferred: 'DEFERRED' } as const;

/**
 * One statement: every recipient's new state, only where `owner` still holds the lease, and
 * an attempt row for each of those. Returns the ids it updated.
 */
async function recordAttempt(tx: pg.ClientBase | pg.Pool, owner: string, group: ClaimedGroup, a: AttemptFacts, updates: RecipientUpdate[]): Promise<string[]> {
  const rcptOf = new Map(group.recipients.map((r) => [r.id, r.rcpt]));
  const { rows } = await tx.query<{ id: string }>(
    `WITH x AS (
       SELECT * FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[])
         AS x(id, status, next, code, enhanced, reply, notified, rcpt, outcome)
     ), kept AS (
       UPDATE outbound_queue q SET
           status = x.status::"OutboundStatus", attempts = q.attempts + 1,
           next_attempt_at = coalesce(x.next, q.next_attempt_at),
           last_code = x.code, last_enhanced = x.enhanced, last_reply = x.reply,
           lease_owner = NULL, lease_until = NULL,
           delay_notified_at = CASE WHEN x.notified THEN coalesce(q.delay_notified_at, now()) ELSE q.delay_notified_at END,
           finished_at = CASE WHEN x.status IN ('SENT', 'BOUNCED') THEN now() END,
           updated_at = now()
         FROM x WHERE q.id = x.id AND q.lease_owner = $1
       RETURNING q.id
     )
     INSERT INTO outbound_attempts (outbound_id, queue_id, rcpt, domain, duration_ms, instance_id, mx_host, ip, port,
       tls_version, tls_cipher, tls_verification, mta_sts, outcome, code, enhanced, reply)
     SELECT x.id, $11, x.rcpt, $12, $13, $1, $14, $15, $16, $17, $18, $19, $20, x.outcome, x.code, x.enhanced, x.reply
       FROM x JOIN kept ON kept.id = x.id
     RETURNING outbound_id AS id`,
    [
      owner,
      updates.map((u) => u.id),
      updates.map((u) => STATUS[u.state]),
      updates.map((u) => (u.state === 'deferred' ? u.nextAttemptAt : null)),
      updates.map((u) => u.outcome.code),
      updates.map((u) => u.outcome.enhanced),
      updates.map((u) => u.outcome.reply),
      updates.map((u) => u.state === 'deferred' && u.delayNotified),
      updates.map((u) => rcptOf.get(u.id) ?? u.outcome.address),
      updates.map((u) => u.outcome.outcome),
      group.queueId, group.domain, Math.round(a.durationMs), a.mxHost, a.ip, a.port, a.tlsVersion, a.tlsCipher,
      a.verification, a.mtaSts,
    ],
  );
  return rows.map((r) => r.id);
}
