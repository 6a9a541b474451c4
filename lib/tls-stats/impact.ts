/**
 * Policy impact preview: before an admin requires TLS on the MX port, raises the minimum
 * TLS version or turns off cleartext authentication, who in the recorded data would have been refused.
 * Reads only aggregates (tls_daily_stats, tls_client_logins).
 */
import { STRENGTH } from './path';
import { clientTls, type ClientTlsRow } from './queries';
import { utcDay, type Sql } from './sql';

export interface ImpactChange {
  requireTlsMx?: boolean;
  minTlsVersion?: 'TLSv1.2' | 'TLSv1.3';
  allowCleartextAuth?: boolean;
}

export interface SenderImpact {
  senderDomain: string;
  clientIp: string;
  tlsVersion: string;
  messages: number;
}

export interface SubmitterImpact {
  address: string;
  clientIp: string;
  tlsVersion: string;
  messages: number;
}

export interface PolicyImpact {
  since: string;
  days: number;
  /** inbound senders that came in cleartext on the MX port */
  requireTlsMx: { messages: number; senders: SenderImpact[] } | null;
  /** handshakes below the new minimum: MX senders (who may retry in cleartext unless TLS is required),
   *  submission senders and IMAP/submission logins (refused) */
  minTlsVersion: {
    version: string;
    inbound: SenderImpact[];
    submission: SubmitterImpact[];
    logins: ClientTlsRow[];
  } | null;
  /** mailboxes that authenticated without TLS (submission and IMAP) */
  cleartextAuth: { submission: SubmitterImpact[]; logins: ClientTlsRow[] } | null;
}

/** Versions that a minimum of `min` refuses (cleartext and unknown are not handshakes). */
export function versionsBelow(min: string): string[] {
  const i = STRENGTH.indexOf(min as (typeof STRENGTH)[number]);
  return i < 0 ? [] : STRENGTH.slice(2, i).map(String);
}

const num = (v: unknown) => Number(v ?? 0);

async function inboundSenders(sql: Sql, since: string, scope: string[] | null, versions: string[]): Promise<SenderImpact[]> {
  const params: unknown[] = [since, versions];
  let scoped = '';
  if (scope) {
    params.push(scope);
    scoped = `AND domain_id = ANY($3::uuid[])`;
  }
  const rows = (
    await sql.query(
      `SELECT sender_domain, client_ip, tls_version, sum(${scope ? 'deliveries' : 'messages'})::bigint AS m
         FROM tls_daily_stats
        WHERE day >= $1::date AND direction = 'inbound' AND tls_version = ANY($2::text[]) ${scoped}
        GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 200`,
      params,
    )
  ).rows;
  return rows.map((r) => ({ senderDomain: r.sender_domain, clientIp: r.client_ip, tlsVersion: r.tls_version, messages: num(r.m) }));
}

async function submitters(sql: Sql, since: string, scope: string[] | null, versions: string[]): Promise<SubmitterImpact[]> {
  const params: unknown[] = [since, versions];
  let scoped = '';
  if (scope) {
    params.push(scope);
    scoped = `AND s.domain_id = ANY($3::uuid[])`;
  }
  const rows = (
    await sql.query(
      `SELECT coalesce(mb.address, '(relay network)') AS address, s.client_ip, s.tls_version, sum(s.deliveries)::bigint AS m
         FROM tls_daily_stats s LEFT JOIN mailboxes mb ON mb.id = s.mailbox_id
        WHERE s.day >= $1::date AND s.direction = 'submission' AND s.tls_version = ANY($2::text[]) ${scoped}
        GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 200`,
      params,
    )
  ).rows;
  return rows.map((r) => ({ address: r.address, clientIp: r.client_ip, tlsVersion: r.tls_version, messages: num(r.m) }));
}

export async function policyImpact(
  sql: Sql,
  change: ImpactChange,
  opts: { scopeDomainIds: string[] | null; days?: number; now?: Date },
): Promise<PolicyImpact> {
  const days = opts.days ?? 30;
  const since = utcDay(new Date((opts.now ?? new Date()).getTime() - (days - 1) * 86_400_000));
  const scope = opts.scopeDomainIds;
  const result: PolicyImpact = { since, days, requireTlsMx: null, minTlsVersion: null, cleartextAuth: null };

  if (change.requireTlsMx) {
    const senders = await inboundSenders(sql, since, scope, ['none']);
    result.requireTlsMx = { messages: senders.reduce((t, s) => t + s.messages, 0), senders };
  }
  if (change.minTlsVersion) {
    const below = versionsBelow(change.minTlsVersion);
    const logins = (await clientTls(sql, { since, scopeDomainIds: scope, limit: 2000 })).filter((r) =>
      below.includes(r.tlsVersion),
    );
    result.minTlsVersion = {
      version: change.minTlsVersion,
      inbound: await inboundSenders(sql, since, scope, below),
      submission: await submitters(sql, since, scope, below),
      logins,
    };
  }
  if (change.allowCleartextAuth === false) {
    const logins = (await clientTls(sql, { since, scopeDomainIds: scope, limit: 2000 })).filter((r) => r.tlsVersion === 'none');
    result.cleartextAuth = { submission: await submitters(sql, since, scope, ['none']), logins };
  }
  return result;
}
