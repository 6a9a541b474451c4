// Users' Junk judgements (junk_training): recorded by COPY/MOVE in the move's transaction,
// drained by the learner that teaches rspamd. All SQL on junk_training lives here.
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import { notify } from '@/lib/db/notify';
import { withTransaction } from '@/lib/db/transaction';
import type { SpecialUse } from '@/mail-daemon/imap/backend';
import type { Client } from './db';

export type JunkVerdict = 'spam' | 'ham';

/** After this many failed learns a judgement is left as data, its last error kept. */
export const MAX_LEARN_ATTEMPTS = 8;

/**
 * What a copy or move from `from` to `to` says about its messages: into Junk, they are spam;
 * out of Junk into anything but Trash, they are not (throwing junk away says nothing new).
 */
export function junkVerdict(from: SpecialUse | string | null, to: SpecialUse | string | null): JunkVerdict | null {
  if (to === '\\Junk' && from !== '\\Junk') return 'spam';
  if (from === '\\Junk' && to !== '\\Junk' && to !== '\\Trash') return 'ham';
  return null;
}

/** Records one judgement per message, inside the caller's copy/move transaction; the learner hears of it on commit. */
export async function recordJunkJudgements(c: Client, mailboxId: string, verdict: JunkVerdict, blobIds: string[]): Promise<void> {
  if (!blobIds.length) return;
  await c.query(
    `INSERT INTO junk_training (mailbox_id, blob_id, verdict) SELECT $1, b, $2 FROM unnest($3::uuid[]) AS b`,
    [mailboxId, verdict, blobIds],
  );
  await notify(c, CHANNELS.junk, {});
}

export type LearnOutcome = 'learned' | 'failed' | 'gone';

export interface JunkTrainingQueue {
  /**
   * Claims the oldest judgement due (FOR UPDATE SKIP LOCKED: another daemon skips it while this
   * one learns it), hands its raw message to `learn`, and records the outcome in the same
   * transaction. Returns null when nothing is due.
   */
  learnNext(learn: (verdict: JunkVerdict, raw: Buffer) => Promise<void>): Promise<{ id: string; outcome: LearnOutcome; error?: string } | null>;
}

/**
 * `retryBaseSeconds`: a judgement whose learn failed n times is due again `base·(2ⁿ−1)` seconds
 * after it was made (1, 3, 7, 15… minutes by default).
 */
export function createJunkTrainingQueue(pool: pg.Pool, options: { retryBaseSeconds?: number } = {}): JunkTrainingQueue {
  const base = options.retryBaseSeconds ?? 60;
  return {
    learnNext(learn) {
      return withTransaction(pool, async (c) => {
        const r = await c.query<{ id: string; verdict: JunkVerdict; raw: Buffer | null }>(
          `SELECT t.id, t.verdict, b.raw
             FROM junk_training t LEFT JOIN mail_blobs b ON b.id = t.blob_id
            WHERE t.learned_at IS NULL AND t.attempts < $1
              -- created_at keeps milliseconds, rounded to the nearest: a judgement made this very
              -- instant can read up to half a millisecond ahead of now(), and is due all the same.
              AND t.created_at + make_interval(secs => $2 * (power(2, t.attempts) - 1)) <= now() + interval '1 millisecond'
            ORDER BY t.attempts, t.created_at
            LIMIT 1
            FOR UPDATE OF t SKIP LOCKED`,
          [MAX_LEARN_ATTEMPTS, base],
        );
        const row = r.rows[0];
        if (!row) return null;
        if (!row.raw) {
          // The message was expunged and its bytes freed before rspamd heard of it: nothing to learn, ever.
          await c.query(`UPDATE junk_training SET attempts = $2, learn_error = 'message no longer stored' WHERE id = $1`, [row.id, MAX_LEARN_ATTEMPTS]);
          return { id: row.id, outcome: 'gone' as const };
        }
        try {
          await learn(row.verdict, row.raw);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          await c.query(`UPDATE junk_training SET attempts = attempts + 1, learn_error = $2 WHERE id = $1`, [row.id, error.slice(0, 1000)]);
          return { id: row.id, outcome: 'failed' as const, error };
        }
        await c.query(`UPDATE junk_training SET attempts = attempts + 1, learned_at = now(), learn_error = NULL WHERE id = $1`, [row.id]);
        return { id: row.id, outcome: 'learned' as const };
      });
    },
  };
}
