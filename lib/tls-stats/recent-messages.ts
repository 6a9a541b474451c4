import type { StatsFilter } from './queries';
import type { Sql } from './sql';

export interface RecentMessageRow {
  /** mail_messages.id: the per-message hop path is /tls/messages/<id> */
  id: string;
  mailbox: string;
  receivedAt: string;
  direction: string;
  senderDomain: string;
  clientIp: string;
  ourTlsVersion: string;
  pathTls: boolean;
  pathWeakest: string;
}

export interface RecentMessagesInput extends StatsFilter {
  /** only mail whose envelope sender is of this domain ("" = the null reverse-path) */
  senderDomain?: string | null;
  /** only mail from this client address */
  clientIp?: string | null;
  limit?: number;
}

/**
 * The newest received messages of the period, one row per stored copy (a message to two
 * mailboxes is two rows, each with its own hop-path page), inside the admin's scope and the
 * overview's filters, optionally narrowed to one sending domain or client IP.
 */
export async function recentMessages(sql: Sql, f: RecentMessagesInput): Promise<RecentMessageRow[]> {
  const params: unknown[] = [f.from, f.to];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = [`c.received_at >= $1::date`, `c.received_at < $2::date + 1`];
  if (f.scopeDomainIds) where.push(`mb.domain_id = ANY(${p(f.scopeDomainIds)}::uuid[])`);
  if (f.domainId) where.push(`mb.domain_id = ${p(f.domainId)}::uuid`);
  if (f.mailboxId) where.push(`mb.id = ${p(f.mailboxId)}::uuid`);
  if (f.direction) where.push(`c.direction = ${p(f.direction)}`);
  if (f.senderDomain !== undefined && f.senderDomain !== null) where.push(`c.sender_domain = ${p(f.senderDomain.toLowerCase())}`);
  if (f.clientIp) where.push(`c.client_ip = ${p(f.clientIp)}`);
  const limit = p(Math.min(Math.max(f.limit ?? 50, 1), 500));
  const r = await sql.query<{
    id: string; address: string; received_at: Date; direction: string; sender_domain: string; client_ip: string;
    our_tls_version: string; path_tls: boolean; path_weakest: string;
  }>(
    `SELECT m.id::text AS id, mb.address, c.received_at, c.direction, c.sender_domain, c.client_ip,
            c.our_tls_version, c.path_tls, c.path_weakest
       FROM tls_hop_chains c
       JOIN mail_messages m ON m.blob_id = c.blob_id
       JOIN mail_folders fo ON fo.id = m.folder_id
       JOIN mailboxes mb ON mb.id = fo.mailbox_id
      WHERE ${where.join(' AND ')}
      ORDER BY c.received_at DESC, m.id
      LIMIT ${limit}::int`,
    params,
  );
  return r.rows.map((row) => ({
    id: row.id,
    mailbox: row.address,
    receivedAt: new Date(row.received_at).toISOString(),
    direction: row.direction,
    senderDomain: row.sender_domain,
    clientIp: row.client_ip,
    ourTlsVersion: row.our_tls_version,
    pathTls: row.path_tls,
    pathWeakest: row.path_weakest,
  }));
}
