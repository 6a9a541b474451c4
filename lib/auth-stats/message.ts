/**
 * What the daemon found when a stored message arrived: its receipt's authentication results
 * (the Authentication-Results header we wrote, parsed), where it went (inbox or Junk, and why)
 * and rspamd's verdict. Found through the message's blob; only for a mailbox in the scope.
 */
import { parseAuthenticationResults, type AuthResultsParse } from '@/lib/auth-results';
import type { Sql } from '@/lib/tls-stats/sql';

/** rspamd symbols shown: the heaviest first. */
const TOP_SYMBOLS = 10;

export interface MessageAuthentication {
  listener: string;
  fromDomain: string | null;
  /** RFC 8601 result keywords; null when not checked (submissions, relay networks, checks off) */
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  arc: string | null;
  /** the Authentication-Results field we wrote, as stored; null when not checked */
  header: string | null;
  parsed: AuthResultsParse | null;
  disposition: 'inbox' | 'junk';
  dispositionReason: string | null;
  spam: { action: string; score: number | null; symbols: { name: string; score: number; description: string | null }[] } | null;
}

function topSymbols(raw: unknown): { name: string; score: number; description: string | null }[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  return Object.entries(raw as Record<string, { score?: unknown; description?: unknown }>)
    .map(([name, s]) => ({ name, score: Number(s?.score ?? 0) || 0, description: typeof s?.description === 'string' ? s.description : null }))
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.name.localeCompare(b.name))
    .slice(0, TOP_SYMBOLS);
}

/** The receipt of a stored message (mail_messages.id) in a mailbox of the scope; null when none. */
export async function messageAuthenticationOf(sql: Sql, messageId: string, scopeDomainIds: string[] | null): Promise<MessageAuthentication | null> {
  if (!/^[0-9a-f-]{36}$/i.test(messageId)) return null;
  const r = (
    await sql.query(
      `SELECT r.listener, r.from_domain, r.spf_result, r.dkim_result, r.dmarc_result, r.arc_result, r.auth_results_header,
              r.disposition, r.disposition_reason, r.spam_action, r.spam_score, r.spam_symbols
         FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes mb ON mb.id = f.mailbox_id
         JOIN smtp_receipts r ON r.blob_id = m.blob_id
        WHERE m.id = $1::uuid ${scopeDomainIds ? 'AND mb.domain_id = ANY($2::uuid[])' : ''}
        ORDER BY r.received_at DESC LIMIT 1`,
      [messageId, ...(scopeDomainIds ? [scopeDomainIds] : [])],
    )
  ).rows[0];
  if (!r) return null;
  const header = (r.auth_results_header as string | null) ?? null;
  return {
    listener: r.listener,
    fromDomain: r.from_domain ?? null,
    spf: r.spf_result ?? null,
    dkim: r.dkim_result ?? null,
    dmarc: r.dmarc_result ?? null,
    arc: r.arc_result ?? null,
    header,
    // The stored field includes its name; the parser reads the value after the colon.
    parsed: header ? parseAuthenticationResults(header.replace(/^Authentication-Results[ \t]*:/i, '')) : null,
    disposition: r.disposition === 'junk' ? 'junk' : 'inbox',
    dispositionReason: r.disposition_reason ?? null,
    spam: r.spam_action ? { action: r.spam_action, score: r.spam_score === null ? null : Number(r.spam_score), symbols: topSymbols(r.spam_symbols) } : null,
  };
}
