// Raw messages stored once, with the MIME index computed once (lib/mime).
import { indexMessage, normalizeCrlf, sha256Hex, type MimeIndex } from '@/lib/mime';
import type { Client } from './db';

export interface PreparedBlob {
  raw: Buffer;
  index: MimeIndex;
  sha256: string;
}

/**
 * CPU work done before the transaction opens. Line ends become CRLF first (IMAP serves CRLF), so
 * the stored bytes are the served bytes and every size is theirs.
 */
export function prepareBlob(input: Buffer): PreparedBlob {
  const raw = normalizeCrlf(input);
  return { raw, index: indexMessage(raw), sha256: sha256Hex(raw) };
}

export async function insertBlob(client: Client, blob: PreparedBlob): Promise<string> {
  const r = await client.query<{ id: string }>(
    `INSERT INTO mail_blobs (size, sha256, raw, mime, sent_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [blob.raw.length, blob.sha256, blob.raw, JSON.stringify(blob.index), blob.index.sentAt],
  );
  return r.rows[0].id;
}

/**
 * Deletes blobs no folder message references any more. Best effort, outside the expunge
 * transaction: another table (e.g. an SMTP receipt) may still hold a blob on purpose.
 */
export async function collectBlobs(client: Client, blobIds: string[]): Promise<void> {
  const sql = `DELETE FROM mail_blobs b WHERE b.id = ANY($1::uuid[])
                 AND NOT EXISTS (SELECT 1 FROM mail_messages m WHERE m.blob_id = b.id)`;
  if (!blobIds.length) return;
  try {
    await client.query(sql, [blobIds]);
  } catch {
    // A foreign key elsewhere keeps one of them: retry one by one, keeping the referenced ones.
    for (const id of blobIds) await client.query(sql, [[id]]).catch(() => {});
  }
}
