import 'server-only';
/**
 * The panel's data access for TLS statistics: every function takes the signed-in admin and keeps to its
 * domain scope (a domain admin sees only deliveries to its domains and its mailboxes).
 */
import { domainScope, isGlobal } from '@/lib/actor';
import { analyzeAuthentication, type AuthenticationAnalysis } from '@/lib/auth-results';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { analyzeHeaders, parseHops, type PublicHop, type ReceivedHop } from '@/lib/received';
import type { AdminActor } from '@/lib/dal/session';
import { policyImpact, type ImpactChange, type PolicyImpact } from './impact';
import {
  clientTls,
  defaultRange,
  exportRows,
  hopChainOf,
  outboundOverview,
  overview,
  type ClientTlsRow,
  type HopChainView,
  type OutboundOverview,
  type Overview,
  type StatsFilter,
} from './queries';
import { recentMessages, type RecentMessageRow } from './recent-messages';
import { prismaSql } from './sql';

/** Pasted headers / messages the analyzer reads (route, page). */
export const MAX_ANALYZE_BYTES = 1024 * 1024;

export interface TlsFilterInput {
  from?: string | null;
  to?: string | null;
  domain?: string | null;
  mailbox?: string | null;
  direction?: string | null;
}

export interface ResolvedFilter {
  filter: StatsFilter;
  /** what the form shows back */
  values: { from: string; to: string; domain: string; mailbox: string; direction: string };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Query-string filters → a scoped StatsFilter. Unknown domain/mailbox (or outside the scope) is refused. */
export async function resolveFilter(db: Db, admin: AdminActor, input: TlsFilterInput): Promise<ResolvedFilter> {
  const range = defaultRange(30);
  let from = input.from && DAY.test(input.from) ? input.from : range.from;
  let to = input.to && DAY.test(input.to) ? input.to : range.to;
  if (from > to) [from, to] = [to, from];
  if (Date.parse(to) - Date.parse(from) > 3660 * 86_400_000) throw new ServiceError('invalid', 'at most ten years', 'from');
  const scope = domainScope(admin);
  let domainId: string | null = null;
  const domainName = (input.domain ?? '').trim().toLowerCase();
  if (domainName) {
    const d = await db.domain.findFirst({ where: { name: domainName, ...(scope ? { id: { in: scope } } : {}) }, select: { id: true } });
    if (!d) throw new ServiceError('not_found', 'no such domain', 'domain');
    domainId = d.id;
  }
  let mailboxId: string | null = null;
  const address = (input.mailbox ?? '').trim().toLowerCase();
  if (address) {
    const m = await db.mailbox.findFirst({
      where: { address, ...(scope ? { domainId: { in: scope } } : {}) },
      select: { id: true },
    });
    if (!m) throw new ServiceError('not_found', 'no such mailbox', 'mailbox');
    mailboxId = m.id;
  }
  const direction = input.direction === 'inbound' || input.direction === 'submission' ? input.direction : null;
  return {
    filter: { from, to, scopeDomainIds: scope, domainId, mailboxId, direction },
    values: { from, to, domain: domainName, mailbox: address, direction: direction ?? '' },
  };
}

export async function tlsOverview(db: Db, admin: AdminActor, input: TlsFilterInput): Promise<{ overview: Overview; values: ResolvedFilter['values'] }> {
  const { filter, values } = await resolveFilter(db, admin, input);
  return { overview: await overview(prismaSql(db), filter), values };
}

/**
 * Our outbound deliveries over the resolved period, for global admins only: outbound
 * attempts are server-wide (a destination is no local domain), so a domain admin gets null.
 */
export async function tlsOutbound(db: Db, admin: AdminActor, period: { from: string; to: string }): Promise<OutboundOverview | null> {
  if (!isGlobal(admin)) return null;
  if (!DAY.test(period.from) || !DAY.test(period.to)) throw new ServiceError('invalid', 'dates must be YYYY-MM-DD', 'from');
  return outboundOverview(prismaSql(db), { from: period.from, to: period.to, limit: 20 });
}

export async function tlsCsv(db: Db, admin: AdminActor, input: TlsFilterInput): Promise<string> {
  const { filter } = await resolveFilter(db, admin, input);
  return exportRows(prismaSql(db), filter);
}

export async function tlsClientLogins(db: Db, admin: AdminActor, opts: { days?: number; mailbox?: string | null; weakOnly?: boolean }): Promise<ClientTlsRow[]> {
  const since = defaultRange(opts.days ?? 30).from;
  let mailboxId: string | null = null;
  if (opts.mailbox) {
    const scope = domainScope(admin);
    const m = await db.mailbox.findFirst({ where: { address: opts.mailbox.toLowerCase(), ...(scope ? { domainId: { in: scope } } : {}) }, select: { id: true } });
    if (!m) throw new ServiceError('not_found', 'no such mailbox', 'mailbox');
    mailboxId = m.id;
  }
  return clientTls(prismaSql(db), { since, scopeDomainIds: domainScope(admin), mailboxId, weakOnly: opts.weakOnly, limit: 200 });
}

export async function tlsPolicyImpact(db: Db, admin: AdminActor, change: ImpactChange, days = 30): Promise<PolicyImpact> {
  return policyImpact(prismaSql(db), change, { scopeDomainIds: domainScope(admin), days });
}

/** The hop chain of a stored message, if the message belongs to a mailbox in the admin's scope. */
export type MessageHopChain = Omit<HopChainView, 'our'> & { our: HopChainView['our'] | null; mailbox: string; subject: string | null };

export async function messageHopChain(db: Db, admin: AdminActor, messageId: string): Promise<MessageHopChain | null> {
  if (!/^[0-9a-f-]{36}$/i.test(messageId)) return null;
  const scope = domainScope(admin);
  const rows = await db.$queryRawUnsafe<{ blob_id: string; address: string; head: Uint8Array }[]>(
    `SELECT m.blob_id::text AS blob_id, mb.address, substring(b.raw from 1 for 65536) AS head
       FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes mb ON mb.id = f.mailbox_id
       JOIN mail_blobs b ON b.id = m.blob_id
      WHERE m.id = $1::uuid ${scope ? 'AND mb.domain_id = ANY($2::uuid[])' : ''}`,
    messageId,
    ...(scope ? [scope] : []),
  );
  const row = rows[0];
  if (!row) return null;
  const chain = await hopChainOf(prismaSql(db), row.blob_id);
  const head = Buffer.from(row.head).toString('latin1');
  const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, ' ').slice(0, 300) ?? null;
  if (chain) return { ...chain, mailbox: row.address, subject };
  // Stored without a receipt (IMAP APPEND, import): every hop is claimed.
  const claimed: Omit<ReceivedHop, 'raw'>[] = parseHops(head).map(({ raw: _raw, ...h }) => h);
  return {
    blobId: row.blob_id,
    queueId: '',
    receivedAt: '',
    direction: 'unknown',
    senderDomain: '',
    our: null,
    pathTls: false,
    pathWeakest: 'unknown',
    claimed,
    mailbox: row.address,
    subject,
  };
}

export interface MailboxMessageRow {
  id: string;
  uid: number;
  internalDate: string;
  subject: string | null;
  ourTlsVersion: string | null;
  pathTls: boolean | null;
  pathWeakest: string | null;
}

/** A mailbox's latest INBOX messages with their TLS summary (links to the per-message view). */
export async function mailboxMessages(db: Db, admin: AdminActor, address: string, limit = 50): Promise<MailboxMessageRow[] | null> {
  const scope = domainScope(admin);
  const mb = await db.mailbox.findFirst({ where: { address: address.toLowerCase(), ...(scope ? { domainId: { in: scope } } : {}) }, select: { id: true } });
  if (!mb) return null;
  const rows = await db.$queryRawUnsafe<
    { id: string; uid: bigint; internal_date: Date; head: Uint8Array; our_tls_version: string | null; path_tls: boolean | null; path_weakest: string | null }[]
  >(
    `SELECT m.id::text AS id, m.uid, m.internal_date, substring(b.raw from 1 for 16384) AS head,
            c.our_tls_version, c.path_tls, c.path_weakest
       FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mail_blobs b ON b.id = m.blob_id
       LEFT JOIN tls_hop_chains c ON c.blob_id = m.blob_id
      WHERE f.mailbox_id = $1::uuid AND f.name = 'INBOX'
      ORDER BY m.uid DESC LIMIT $2::int`,
    mb.id,
    Math.min(Math.max(limit, 1), 500),
  );
  return rows.map((r) => {
    const head = Buffer.from(r.head).toString('latin1');
    const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, ' ').slice(0, 200) ?? null;
    return {
      id: r.id,
      uid: Number(r.uid),
      internalDate: new Date(r.internal_date).toISOString(),
      subject,
      ourTlsVersion: r.our_tls_version,
      pathTls: r.path_tls,
      pathWeakest: r.path_weakest,
    };
  });
}

/** The analyzer (page and route): parse pasted headers — the Received hops, and what each authentication writer says. */
export function analyzePasted(text: string): { hops: PublicHop[]; detail: Omit<ReceivedHop, 'raw'>[]; authentication: AuthenticationAnalysis } {
  if (Buffer.byteLength(text) > MAX_ANALYZE_BYTES) throw new ServiceError('invalid', 'at most 1 MiB of headers', 'headers');
  const detail = parseHops(text).map(({ raw: _raw, ...h }) => h);
  return { hops: analyzeHeaders(text).hops, detail, authentication: analyzeAuthentication(text) };
}

/** The overview's newest messages (links to each hop path), optionally for one sending domain or client IP. */
export async function tlsRecentMessages(
  db: Db,
  admin: AdminActor,
  input: TlsFilterInput & { sender?: string | null; ip?: string | null },
): Promise<RecentMessageRow[]> {
  const { filter } = await resolveFilter(db, admin, input);
  const ip = (input.ip ?? '').trim();
  if (ip && !/^[0-9a-fA-F:.]{2,45}$/.test(ip)) throw new ServiceError('invalid', 'not an IP address', 'ip');
  const sender = input.sender === undefined || input.sender === null ? null : input.sender.trim().slice(0, 253);
  return recentMessages(prismaSql(db), { ...filter, senderDomain: sender, clientIp: ip || null });
}
