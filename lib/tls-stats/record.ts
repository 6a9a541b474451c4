/**
 * Writers, called inside the transaction that stores the message (mail-daemon/delivery's hook) or
 * by the rescan: one hop chain per stored message and the aggregate rows the dashboard reads.
 */
import type { ParsedHeader } from '@/lib/mime';
import { randomInt } from 'node:crypto';
import { normalizeTlsVersion } from '@/lib/received';
import { splitAddress } from '@/lib/validations/address';
import { NONE_ID, utcDay, type Sql } from './sql';
import { isWeak, summarizeChain, type ChainSummary, type OurHop } from './path';

export type Direction = 'inbound' | 'submission';

/** Aggregate rows per key: concurrent deliveries pick one at random and rarely wait on each other. */
export const SHARDS = 16;

export interface DeliveryFacts {
  blobId: string;
  receivedAt: Date;
  /** the SMTP listener: "mx" is inbound, "submission"/"submissions" are submission */
  listener: string;
  clientIp: string;
  /** envelope sender ("" for the null reverse-path) */
  mailFrom: string;
  /** the authenticated user's mailbox, when there is one */
  authMailboxId: string | null;
  /** distinct local mailboxes the message was delivered to */
  mailboxIds: string[];
  our: OurHop;
  /** the stored message (only its header section is read), or its header already parsed */
  raw: Buffer | string | ParsedHeader;
}

export function directionOf(listener: string): Direction {
  return listener === 'mx' ? 'inbound' : 'submission';
}

export function senderDomainOf(mailFrom: string): string {
  return splitAddress(mailFrom).domain.replace(/>$/, '').toLowerCase().slice(0, 255);
}

/** Stores the message's hop chain and counts it in the aggregates. Returns the summary. */
export async function recordDelivery(sql: Sql, f: DeliveryFacts): Promise<ChainSummary> {
  const s = summarizeChain(f.our, f.raw);
  const direction = directionOf(f.listener);
  const senderDomain = senderDomainOf(f.mailFrom);

  const inserted = await sql.query<{ blob_id: string }>(
    `INSERT INTO tls_hop_chains (blob_id, queue_id, received_at, direction, sender_domain, client_ip, our_tls_version,
       our_cipher, our_bits, our_tls_mode, path_tls, path_weakest, hop_count, cleartext_hops, hops)
     VALUES ($1::uuid, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9::int, $10, $11::boolean, $12, $13::int, $14::int, $15::jsonb)
     ON CONFLICT (blob_id) DO NOTHING
     RETURNING blob_id`,
    [
      f.blobId, f.our.queueId, f.receivedAt, direction, senderDomain, f.clientIp, s.ourTlsVersion,
      f.our.cipher, f.our.bits, f.our.mode, s.pathTls, s.pathWeakest, s.hopCount, s.cleartextHops,
      JSON.stringify(s.claimed),
    ],
  );
  if (inserted.rows.length === 0) return s; // already counted (rescan racing a delivery)

  // Whose statistics: the recipients for inbound mail, the sender's own mailbox for submission.
  let mailboxIds = direction === 'submission' && f.authMailboxId ? [f.authMailboxId] : [...new Set(f.mailboxIds)];
  let pairs: { id: string; domain_id: string }[] = [];
  if (mailboxIds.length > 0) {
    pairs = (
      await sql.query<{ id: string; domain_id: string }>(
        `SELECT id::text AS id, domain_id::text AS domain_id FROM mailboxes WHERE id = ANY($1::uuid[]) ORDER BY id`,
        [mailboxIds],
      )
    ).rows;
  }
  if (pairs.length === 0) {
    mailboxIds = [NONE_ID];
    pairs = [{ id: NONE_ID, domain_id: NONE_ID }];
  }
  // Sorted keys: concurrent deliveries lock aggregate rows in the same order (no deadlock).
  pairs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const day = utcDay(f.receivedAt);
  const cipher = f.our.cipher ?? '';
  const shard = randomInt(SHARDS);
  const ourTls = s.ourTls ? 1 : 0;
  const pathTls = s.pathTls ? 1 : 0;
  await sql.query(
    `INSERT INTO tls_daily_stats AS t (day, domain_id, mailbox_id, direction, sender_domain, client_ip, tls_version, cipher,
       path_weakest, shard, messages, deliveries, our_tls_messages, our_tls_deliveries, path_tls_messages, path_tls_deliveries)
     SELECT $1::date, d, m, $4, $5, $6, $7, $8, $9, $13::smallint, w, 1, w * $10::int, $10::int, w * $11::int, $11::int
       FROM unnest($2::uuid[], $3::uuid[], $12::int[]) AS u(d, m, w)
     ON CONFLICT (day, domain_id, mailbox_id, direction, sender_domain, client_ip, tls_version, cipher, path_weakest, shard)
     DO UPDATE SET messages = t.messages + EXCLUDED.messages,
                   deliveries = t.deliveries + EXCLUDED.deliveries,
                   our_tls_messages = t.our_tls_messages + EXCLUDED.our_tls_messages,
                   our_tls_deliveries = t.our_tls_deliveries + EXCLUDED.our_tls_deliveries,
                   path_tls_messages = t.path_tls_messages + EXCLUDED.path_tls_messages,
                   path_tls_deliveries = t.path_tls_deliveries + EXCLUDED.path_tls_deliveries`,
    [
      day,
      pairs.map((p) => p.domain_id),
      pairs.map((p) => p.id),
      direction,
      senderDomain,
      f.clientIp,
      s.ourTlsVersion,
      cipher,
      s.pathWeakest,
      ourTls,
      pathTls,
      pairs.map((_, i) => (i === 0 ? 1 : 0)),
      shard,
    ],
  );
  // Per domain: the message weighs 1 on its first recipient's domain, deliveries count recipients.
  const perDomain = new Map<string, { w: number; n: number }>();
  pairs.forEach((p, i) => {
    const e = perDomain.get(p.domain_id) ?? { w: 0, n: 0 };
    e.w += i === 0 ? 1 : 0;
    e.n += 1;
    perDomain.set(p.domain_id, e);
  });
  const domains = [...perDomain.keys()].sort();
  await sql.query(
    `INSERT INTO tls_daily_totals AS t (day, domain_id, direction, tls_version, cipher, path_weakest, shard, messages, deliveries,
       our_tls_messages, our_tls_deliveries, path_tls_messages, path_tls_deliveries)
     SELECT $1::date, d, $5, $6, $7, $8, $11::smallint, w, n, w * $9::int, n * $9::int, w * $10::int, n * $10::int
       FROM unnest($2::uuid[], $3::int[], $4::int[]) AS u(d, w, n)
     ON CONFLICT (day, domain_id, direction, tls_version, cipher, path_weakest, shard)
     DO UPDATE SET messages = t.messages + EXCLUDED.messages,
                   deliveries = t.deliveries + EXCLUDED.deliveries,
                   our_tls_messages = t.our_tls_messages + EXCLUDED.our_tls_messages,
                   our_tls_deliveries = t.our_tls_deliveries + EXCLUDED.our_tls_deliveries,
                   path_tls_messages = t.path_tls_messages + EXCLUDED.path_tls_messages,
                   path_tls_deliveries = t.path_tls_deliveries + EXCLUDED.path_tls_deliveries`,
    [
      day,
      domains,
      domains.map((d) => perDomain.get(d)!.w),
      domains.map((d) => perDomain.get(d)!.n),
      direction,
      s.ourTlsVersion,
      cipher,
      s.pathWeakest,
      ourTls,
      pathTls,
      shard,
    ],
  );
  if (isWeak(s.ourTlsVersion)) {
    await sql.query(
      `INSERT INTO tls_weak_senders AS t (day, domain_id, direction, sender_domain, client_ip, tls_version, shard, messages, deliveries)
       SELECT $1::date, d, $5, $6, $7, $8, $9::smallint, w, n FROM unnest($2::uuid[], $3::int[], $4::int[]) AS u(d, w, n)
       ON CONFLICT (day, domain_id, direction, sender_domain, client_ip, tls_version, shard)
       DO UPDATE SET messages = t.messages + EXCLUDED.messages, deliveries = t.deliveries + EXCLUDED.deliveries`,
      [
        day,
        domains,
        domains.map((d) => perDomain.get(d)!.w),
        domains.map((d) => perDomain.get(d)!.n),
        direction,
        senderDomain,
        f.clientIp,
        s.ourTlsVersion,
        shard,
      ],
    );
  }
  return s;
}

/**
 * recordDelivery under a savepoint, for the delivery transaction: a statistics failure is logged by the
 * caller and rolled back to the savepoint, so it can never cost a message (the mail commits without it;
 * `postern tls rescan` recounts). Returns the error, or null.
 */
export async function recordDeliveryInTransaction(sql: Sql, f: DeliveryFacts): Promise<Error | null> {
  await sql.query('SAVEPOINT tls_stats');
  try {
    await recordDelivery(sql, f);
    await sql.query('RELEASE SAVEPOINT tls_stats');
    return null;
  } catch (err) {
    await sql.query('ROLLBACK TO SAVEPOINT tls_stats');
    return err instanceof Error ? err : new Error(String(err));
  }
}

export interface ClientTlsFacts {
  mailboxId: string;
  service: 'imap' | 'pop3' | 'submission' | 'smtp';
  /** as Node reports it ("TLSv1.3"), or null for a cleartext login */
  tlsVersion: string | null;
  cipher: string | null;
  clientIp?: string | null;
  at?: Date;
}

/**
 * Client-side TLS of a successful IMAP or submission login (RFC 8314 sections 4.5 and 5), so an admin can
 * find users on old clients. Cheap: one upsert. Call after the login succeeded.
 */
export async function recordClientTls(sql: Sql, f: ClientTlsFacts): Promise<void> {
  const at = f.at ?? new Date();
  const version = f.tlsVersion === null ? 'none' : (normalizeTlsVersion(f.tlsVersion) ?? 'unknown');
  await sql.query(
    `INSERT INTO tls_client_logins AS t (day, mailbox_id, service, tls_version, cipher, client_ip, logins, last_at)
     VALUES ($1::date, $2::uuid, $3, $4, $5, $6, 1, $7::timestamptz)
     ON CONFLICT (day, mailbox_id, service, tls_version, cipher, client_ip)
     DO UPDATE SET logins = t.logins + 1, last_at = GREATEST(t.last_at, EXCLUDED.last_at)`,
    [utcDay(at), f.mailboxId, f.service === 'smtp' ? 'submission' : f.service, version, f.cipher ?? '', f.clientIp ?? '', at],
  );
}
