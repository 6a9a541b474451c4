/**
 * `postern tls rescan`: rebuilds hop chains and aggregates from stored mail (every message that came in
 * over SMTP, i.e. has a receipt row), in batches, reporting progress. Client-login statistics are not
 * derived from mail and are kept.
 */
import { recordDelivery } from './record';
import type { Runner } from './runner';

export interface RescanProgress {
  done: number;
  total: number;
}

interface Row {
  id: string;
  queue_id: string;
  blob_id: string;
  received_at: Date;
  listener: string;
  client_ip: string;
  mail_from: string;
  tls_version: string | null;
  tls_cipher: string | null;
  tls_bits: number | null;
  tls_mode: string | null;
  head: Uint8Array | Buffer;
  mailbox_ids: string[] | null;
  auth_mailbox_id: string | null;
}

/** Header bytes read per message: the Received fields are at the top. */
const HEAD_BYTES = 64 * 1024;

export async function rescan(
  db: Runner,
  opts: { batchSize?: number; onProgress?: (p: RescanProgress) => void } = {},
): Promise<RescanProgress> {
  const batchSize = opts.batchSize ?? 500;
  const total = Number(
    (await db.sql.query<{ n: number | bigint }>(
      `SELECT count(*)::int AS n FROM smtp_receipts r JOIN mail_blobs b ON b.id = r.blob_id`,
    )).rows[0]?.n ?? 0,
  );
  await db.transaction(async (tx) => {
    await tx.query(`TRUNCATE tls_hop_chains, tls_daily_stats, tls_daily_totals, tls_weak_senders`);
  });
  let done = 0;
  opts.onProgress?.({ done, total });
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const cursor: { at: Date; id: string } | null = after;
    const rows: Row[] = (
      await db.sql.query<Row>(
        `SELECT r.id::text AS id, r.queue_id, r.blob_id::text AS blob_id, r.received_at, r.listener, r.client_ip,
                r.mail_from, r.tls_version, r.tls_cipher, r.tls_bits, r.tls_mode,
                substring(b.raw from 1 for ${HEAD_BYTES}) AS head,
                (SELECT array_agg(DISTINCT f.mailbox_id::text) FROM mail_messages m
                   JOIN mail_folders f ON f.id = m.folder_id WHERE m.blob_id = r.blob_id) AS mailbox_ids,
                (SELECT mb.id::text FROM mailboxes mb WHERE mb.address = lower(r.auth_user)) AS auth_mailbox_id
           FROM smtp_receipts r JOIN mail_blobs b ON b.id = r.blob_id
          WHERE $1::timestamptz IS NULL OR (r.received_at, r.id) > ($1::timestamptz, $2::uuid)
          ORDER BY r.received_at, r.id
          LIMIT $3::int`,
        [cursor?.at ?? null, cursor?.id ?? null, batchSize],
      )
    ).rows;
    if (rows.length === 0) break;
    await db.transaction(async (tx) => {
      for (const r of rows) {
        await recordDelivery(tx, {
          blobId: r.blob_id,
          receivedAt: new Date(r.received_at),
          listener: r.listener,
          clientIp: r.client_ip,
          mailFrom: r.mail_from,
          authMailboxId: r.auth_mailbox_id,
          mailboxIds: r.mailbox_ids ?? [],
          our: {
            queueId: r.queue_id,
            tlsVersion: r.tls_version,
            cipher: r.tls_cipher,
            bits: r.tls_bits === null ? null : Number(r.tls_bits),
            mode: r.tls_mode,
          },
          raw: Buffer.from(r.head),
        });
      }
    });
    done += rows.length;
    const last = rows[rows.length - 1];
    after = { at: new Date(last.received_at), id: last.id };
    opts.onProgress?.({ done, total: Math.max(total, done) });
  }
  return { done, total: Math.max(total, done) };
}
