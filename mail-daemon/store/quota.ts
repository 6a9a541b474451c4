// Quota use kept exact in the same transaction as every change of stored messages (delivery,
// APPEND, COPY/MOVE, EXPUNGE, folder deletion): mailboxes.used_bytes and domains.used_bytes move
// together. Never a recalculation step. Each folder message counts its RFC822.SIZE, even when
// several share one stored blob (what IMAP QUOTA shows the user).
import { num, type Client } from './db';

/** Adds `delta` bytes (may be negative) to the mailbox and its domain. */
export async function charge(client: Client, mailboxId: string, delta: number): Promise<void> {
  if (delta === 0) return;
  const r = await client.query<{ domain_id: string }>(
    `UPDATE mailboxes SET used_bytes = used_bytes + $2 WHERE id = $1 RETURNING domain_id`,
    [mailboxId, delta],
  );
  if (!r.rows[0]) return;
  await client.query(`UPDATE domains SET used_bytes = used_bytes + $2 WHERE id = $1`, [r.rows[0].domain_id, delta]);
}

/** Locks the mailbox row and tells whether `extra` more bytes fit its quota. */
export async function fits(client: Client, mailboxId: string, extra: number): Promise<{ ok: boolean; used: number; limit: number }> {
  const r = await client.query(`SELECT used_bytes, quota_bytes FROM mailboxes WHERE id = $1 FOR UPDATE`, [mailboxId]);
  const used = num(r.rows[0]?.used_bytes ?? 0);
  const limit = num(r.rows[0]?.quota_bytes ?? 0);
  return { ok: used + extra <= limit, used, limit };
}
