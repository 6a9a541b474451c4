// Quota use, mailboxes.used_bytes, kept exact in the same transaction as every change of stored
// messages (delivery, APPEND, COPY/MOVE, EXPUNGE, folder deletion). Never a recalculation step.
// Each folder message counts its RFC822.SIZE, even when several share one stored blob (what IMAP
// QUOTA shows the user). A domain's use is the sum of its mailboxes', added up where it is shown.
import { num, type Client } from './db';

/** Adds `delta` bytes (may be negative) to the mailbox. */
export async function charge(client: Client, mailboxId: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await client.query(`UPDATE mailboxes SET used_bytes = used_bytes + $2 WHERE id = $1`, [mailboxId, delta]);
}

/** Locks the mailbox row and tells whether `extra` more bytes fit its quota. */
export async function fits(client: Client, mailboxId: string, extra: number): Promise<{ ok: boolean; used: number; limit: number }> {
  const r = await client.query(`SELECT used_bytes, quota_bytes FROM mailboxes WHERE id = $1 FOR UPDATE`, [mailboxId]);
  const used = num(r.rows[0]?.used_bytes ?? 0);
  const limit = num(r.rows[0]?.quota_bytes ?? 0);
  return { ok: used + extra <= limit, used, limit };
}
