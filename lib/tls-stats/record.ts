/**
 * Writers, as part of the statement that stores the message (mail-daemon/delivery) or by the
 * rescan: one hop chain per stored message and the aggregate rows the dashboard reads.
 */
import type { ParsedHeader } from '@/lib/mime';
import { randomInt } from 'node:crypto';
import { prepared } from '@/lib/db/pool';
import { Prisma } from '@/lib/generated/prisma/client';
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

/**
 * Stores the message's hop chain and counts it in the aggregates, in one statement (one round trip,
 * atomic on its own). Returns the summary. For messages stored before (the rescan); the delivery
 * writes the same rows in its own statement (deliveryStatsCtes).
 */
export async function recordDelivery(sql: Sql, f: DeliveryFacts): Promise<ChainSummary> {
  const values: unknown[] = [];
  const p = (value: unknown) => `$${values.push(value)}`;
  const { ctes, summary } = deliveryStatsCtes(f, p, `${p(f.blobId)}::uuid`);
  await sql.query(prepared(`WITH ${ctes} SELECT count(*) FROM chain`), values); // a few shapes, run for every message rescanned
  return summary;
}

/**
 * The hop chain and the aggregate rows as common table expressions (chain, found, pairs,
 * per_domain, stats, totals, weak) for a larger statement: `blobId` is the stored message's id as
 * SQL (a parameter, or a read of the statement's own inserted blob), `p` binds a value and returns
 * its placeholder. Nothing is counted when the chain was there already (a rescan racing a delivery).
 */
export function deliveryStatsCtes(f: Omit<DeliveryFacts, 'blobId'>, p: (value: unknown) => string, blobId: string): { ctes: string; summary: ChainSummary } {
  const s = summarizeChain(f.our, f.raw);
  const direction = directionOf(f.listener);
  const senderDomain = senderDomainOf(f.mailFrom);
  // Whose statistics: the recipients for inbound mail, the sender's own mailbox for submission.
  const mailboxIds = direction === 'submission' && f.authMailboxId ? [f.authMailboxId] : [...new Set(f.mailboxIds)];
  const common = {
    day: p(utcDay(f.receivedAt)),
    direction: p(direction),
    senderDomain: p(senderDomain),
    clientIp: p(f.clientIp),
    tlsVersion: p(s.ourTlsVersion),
    cipher: p(f.our.cipher ?? ''),
    pathWeakest: p(s.pathWeakest),
    shard: p(randomInt(SHARDS)),
    ourTls: p(s.ourTls ? 1 : 0),
    pathTls: p(s.pathTls ? 1 : 0),
  };
  const c = common;
  const ctes = `chain AS (
       INSERT INTO tls_hop_chains (blob_id, queue_id, received_at, direction, sender_domain, client_ip, our_tls_version,
         our_cipher, our_bits, our_tls_mode, path_tls, path_weakest, hop_count, cleartext_hops, hops)
       VALUES (${blobId}, ${p(f.our.queueId)}, ${p(f.receivedAt)}::timestamptz, ${c.direction}, ${c.senderDomain}, ${c.clientIp},
         ${c.tlsVersion}, ${p(f.our.cipher)}, ${p(f.our.bits)}::int, ${p(f.our.mode)}, ${p(s.pathTls)}::boolean, ${c.pathWeakest},
         ${p(s.hopCount)}::int, ${p(s.cleartextHops)}::int, ${p(JSON.stringify(s.claimed))}::jsonb)
       ON CONFLICT (blob_id) DO NOTHING
       RETURNING blob_id
     ), found AS (
       SELECT id, domain_id FROM mailboxes WHERE id = ANY(${p(mailboxIds)}::uuid[])
     ), pairs AS (
       -- Counted once: nothing when the chain was there already (a rescan racing a delivery). The message
       -- weighs 1 on its first recipient (in id order), deliveries count recipients; the zero id stands for none.
       SELECT id, domain_id, (row_number() OVER (ORDER BY id) = 1)::int AS w
         FROM (SELECT id, domain_id FROM found UNION ALL
               SELECT '${NONE_ID}'::uuid, '${NONE_ID}'::uuid WHERE NOT EXISTS (SELECT 1 FROM found)) k
        WHERE EXISTS (SELECT 1 FROM chain)
     ), per_domain AS (
       SELECT domain_id AS d, sum(w)::int AS w, count(*)::int AS n FROM pairs GROUP BY domain_id
     ), stats AS (
       -- Sorted keys: concurrent deliveries lock aggregate rows in the same order (no deadlock).
       INSERT INTO tls_daily_stats AS t (day, domain_id, mailbox_id, direction, sender_domain, client_ip, tls_version, cipher,
         path_weakest, shard, messages, deliveries, our_tls_messages, our_tls_deliveries, path_tls_messages, path_tls_deliveries)
       SELECT ${c.day}::date, domain_id, id, ${c.direction}, ${c.senderDomain}, ${c.clientIp}, ${c.tlsVersion}, ${c.cipher}, ${c.pathWeakest},
              ${c.shard}::smallint, w, 1, w * ${c.ourTls}::int, ${c.ourTls}::int, w * ${c.pathTls}::int, ${c.pathTls}::int
         FROM pairs ORDER BY id
       ON CONFLICT (day, domain_id, mailbox_id, direction, sender_domain, client_ip, tls_version, cipher, path_weakest, shard)
       DO UPDATE SET messages = t.messages + EXCLUDED.messages,
                     deliveries = t.deliveries + EXCLUDED.deliveries,
                     our_tls_messages = t.our_tls_messages + EXCLUDED.our_tls_messages,
                     our_tls_deliveries = t.our_tls_deliveries + EXCLUDED.our_tls_deliveries,
                     path_tls_messages = t.path_tls_messages + EXCLUDED.path_tls_messages,
                     path_tls_deliveries = t.path_tls_deliveries + EXCLUDED.path_tls_deliveries
     ), totals AS (
       INSERT INTO tls_daily_totals AS t (day, domain_id, direction, tls_version, cipher, path_weakest, shard, messages, deliveries,
         our_tls_messages, our_tls_deliveries, path_tls_messages, path_tls_deliveries)
       SELECT ${c.day}::date, d, ${c.direction}, ${c.tlsVersion}, ${c.cipher}, ${c.pathWeakest}, ${c.shard}::smallint, w, n,
              w * ${c.ourTls}::int, n * ${c.ourTls}::int, w * ${c.pathTls}::int, n * ${c.pathTls}::int
         FROM per_domain ORDER BY d
       ON CONFLICT (day, domain_id, direction, tls_version, cipher, path_weakest, shard)
       DO UPDATE SET messages = t.messages + EXCLUDED.messages,
                     deliveries = t.deliveries + EXCLUDED.deliveries,
                     our_tls_messages = t.our_tls_messages + EXCLUDED.our_tls_messages,
                     our_tls_deliveries = t.our_tls_deliveries + EXCLUDED.our_tls_deliveries,
                     path_tls_messages = t.path_tls_messages + EXCLUDED.path_tls_messages,
                     path_tls_deliveries = t.path_tls_deliveries + EXCLUDED.path_tls_deliveries
     ), weak AS (
       INSERT INTO tls_weak_senders AS t (day, domain_id, direction, sender_domain, client_ip, tls_version, shard, messages, deliveries)
       SELECT ${c.day}::date, d, ${c.direction}, ${c.senderDomain}, ${c.clientIp}, ${c.tlsVersion}, ${c.shard}::smallint, w, n
         FROM per_domain WHERE ${p(isWeak(s.ourTlsVersion))}::boolean ORDER BY d
       ON CONFLICT (day, domain_id, direction, sender_domain, client_ip, tls_version, shard)
       DO UPDATE SET messages = t.messages + EXCLUDED.messages, deliveries = t.deliveries + EXCLUDED.deliveries
     )`;
  return { ctes, summary: s };
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
 * Client-side TLS of a successful IMAP, POP3 or submission login (RFC 8314 sections 4.5 and 5), so an
 * admin can find users on old clients and the owner sees their recent logins. Cheap: one upsert.
 * Call after the login succeeded.
 */
export async function recordClientTls(sql: Sql, f: ClientTlsFacts): Promise<void> {
  const q = clientTlsUpsert(f);
  await sql.query(q.text, q.values);
}

/** recordClientTls's upsert as a fragment, for a statement that records the login with more (lib/auth's mailbox login). */
export function clientTlsUpsert(f: ClientTlsFacts): Prisma.Sql {
  const at = f.at ?? new Date();
  const version = f.tlsVersion === null ? 'none' : (normalizeTlsVersion(f.tlsVersion) ?? 'unknown');
  const service = f.service === 'smtp' ? 'submission' : f.service;
  return Prisma.sql`INSERT INTO tls_client_logins AS t (day, mailbox_id, service, tls_version, cipher, client_ip, logins, last_at)
     VALUES (${utcDay(at)}::date, ${f.mailboxId}::uuid, ${service}, ${version}, ${f.cipher ?? ''}, ${f.clientIp ?? ''}, 1, ${at}::timestamptz)
     ON CONFLICT (day, mailbox_id, service, tls_version, cipher, client_ip)
     DO UPDATE SET logins = t.logins + 1, last_at = GREATEST(t.last_at, EXCLUDED.last_at)`;
}
