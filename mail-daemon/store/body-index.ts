// The body match texts SEARCH BODY matches in SQL (mail_blobs.search_body; ./body-scan.ts
// bodyMatchText), computed off the delivery path, as Dovecot's FTS indexes after delivery: a
// message is stored first, and its text a little later, a batch of messages at a time, by
// whichever daemon claims them (FOR NO KEY UPDATE SKIP LOCKED: several daemons never compute the
// same message, and a COPY referencing one being indexed does not wait). Until its text is there,
// SEARCH matches a message over its bytes (./search-folder.ts), as for mail stored before the column.
import type pg from 'pg';
import type { MimeIndex } from '@/lib/mime';
import { bodyMatchText, BODY_TEXT_BYTES } from './body-scan';

/** Messages one batch reads whole: at most this many times BODY_TEXT_BYTES in memory. */
export const BODY_INDEX_BATCH = 16;

/**
 * Stores the body match text of up to `limit` stored messages that lack it; returns how many it
 * claimed (0: none left that this daemon may take). Messages over BODY_TEXT_BYTES are never
 * claimed: they are streamed at each SEARCH. The partial index mail_blobs_search_body_missing
 * finds the rest at once, and nothing once none is left: so a message only the outbound queue
 * holds is indexed too, once, rather than looked at again by every pass.
 */
export async function indexBodyTexts(pool: pg.Pool, limit = BODY_INDEX_BATCH): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const r = await client.query<{ id: string; raw: Buffer; mime: MimeIndex }>(
      `SELECT b.id, b.raw, b.mime FROM mail_blobs b
        WHERE b.search_body IS NULL AND b.size <= ${BODY_TEXT_BYTES}
        LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED`,
      [limit],
    );
    const rows = r.rows.map((b) => ({ id: b.id, body: bodyMatchText(b.raw, b.mime) }));
    if (rows.length) {
      await client.query(
        `UPDATE mail_blobs b SET search_body = u.body FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, body text) WHERE b.id = u.id`,
        [JSON.stringify(rows)],
      );
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
