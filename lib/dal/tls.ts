import 'server-only';
import { authenticationOverview, messageAuthentication, type AuthFilterInput, type AuthFilterValues } from '@/lib/auth-stats/panel';
import type { MessageAuthentication } from '@/lib/auth-stats/message';
import type { AuthOverview } from '@/lib/auth-stats/queries';
import { isServiceError, type ServiceError } from '@/lib/errors';
import { tlsReportSummary, type ReportPeriod, type TlsReportSummary } from '@/lib/tls-reports/summary';
import {
  mailboxMessages,
  messageHopChain,
  tlsClientLogins,
  tlsOutbound,
  tlsOverview,
  tlsPolicyImpact,
  tlsRecentMessages,
  type MailboxMessageRow,
  type MessageHopChain,
  type ResolvedFilter,
  type TlsFilterInput,
} from '@/lib/tls-stats/panel';
import type { ImpactChange, PolicyImpact } from '@/lib/tls-stats/impact';
import { defaultRange, type ClientTlsRow, type OutboundOverview, type Overview } from '@/lib/tls-stats/queries';
import type { RecentMessageRow } from '@/lib/tls-stats/recent-messages';
import { db } from './db';
import { requireAdmin } from './session';

// TLS and authentication statistics, in the admin's domain scope (lib/tls-stats/panel.ts and
// lib/auth-stats/panel.ts keep to it: a domain admin sees its domains' deliveries and mailboxes).

export type { AuthDomainRow } from '@/lib/auth-stats/queries';
export type { OutboundDomainRow } from '@/lib/tls-stats/queries';
export type { AuthOverview, ClientTlsRow, ImpactChange, PolicyImpact, MailboxMessageRow, MessageAuthentication, MessageHopChain, OutboundOverview, Overview, RecentMessageRow, ReportPeriod, TlsReportSummary };
export { REPORT_PERIODS } from '@/lib/tls-reports/summary';

const problemOf = (err: ServiceError) => `${err.field ? `${err.field}: ` : ''}${err.message}`;

export interface TlsOverviewView {
  overview: Overview;
  /** The filter as it was understood, for the form. */
  values: ResolvedFilter['values'];
  /** Weak-TLS mail-client sign-ins in the period (of the chosen mailbox, if any). */
  clients: ClientTlsRow[];
  outbound: OutboundOverview | null;
  messages: RecentMessageRow[];
  /** Why a filter was refused: the page then shows the whole period, with this note. */
  error: string | null;
}

/**
 * The TLS page: inbound overview, weak clients, outbound, and recent messages (narrowed to a
 * sending domain or client IP picked in a table). A refused domain or mailbox filter falls back
 * to the period alone and says why.
 */
export async function getTlsOverview(input: TlsFilterInput, narrow: { sender: string | null; ip: string | null }): Promise<TlsOverviewView> {
  const admin = await requireAdmin();
  const database = db();
  let error: string | null = null;
  const result = await tlsOverview(database, admin, input).catch(async (err: unknown) => {
    if (!isServiceError(err)) throw err;
    error = problemOf(err);
    return tlsOverview(database, admin, { from: input.from, to: input.to });
  });
  const { overview, values } = result;
  // The three tables depend only on the filter values: read side by side, not one after another.
  const [clients, outbound, messages] = await Promise.all([
    tlsClientLogins(database, admin, { mailbox: values.mailbox || null, weakOnly: true }),
    tlsOutbound(database, admin, { from: values.from, to: values.to }),
    tlsRecentMessages(database, admin, { ...values, ...narrow }).catch((err: unknown) => {
      if (!isServiceError(err)) throw err;
      error ??= err.message;
      return [] as RecentMessageRow[];
    }),
  ]);
  return { overview, values, clients, outbound, messages, error };
}

/** SPF, DKIM and DMARC of accepted mail per sending domain; a refused sender filter falls back to the period alone and says why. */
export async function getAuthenticationOverview(input: AuthFilterInput): Promise<{ overview: AuthOverview; values: AuthFilterValues; error: string | null }> {
  const admin = await requireAdmin();
  const database = db();
  let error: string | null = null;
  const result = await authenticationOverview(database, admin, input).catch((err: unknown) => {
    if (!isServiceError(err)) throw err;
    error = problemOf(err);
    return authenticationOverview(database, admin, { from: input.from, to: input.to });
  });
  return { ...result, error };
}

/** A mailbox's latest INBOX messages with their TLS and the clients it signed in with; null when the admin may not see it. */
export async function getMailboxTls(address: string): Promise<{ messages: MailboxMessageRow[]; logins: ClientTlsRow[] } | null> {
  const admin = await requireAdmin();
  const messages = await mailboxMessages(db(), admin, address);
  if (!messages) return null;
  const logins = await tlsClientLogins(db(), admin, { mailbox: address });
  return { messages, logins };
}

/** One message's hop chain and our authentication verdicts; null when the admin may not see it. */
export async function getMessageHops(id: string): Promise<{ chain: MessageHopChain; auth: MessageAuthentication | null } | null> {
  const admin = await requireAdmin();
  const chain = await messageHopChain(db(), admin, id);
  if (!chain) return null;
  const auth = await messageAuthentication(db(), admin, id);
  return { chain, auth };
}

/** What the TLS reports (RFC 8460) received in the period say about mail we sent. */
export async function getTlsReports(days: ReportPeriod): Promise<TlsReportSummary> {
  const admin = await requireAdmin();
  return tlsReportSummary(db(), admin, days);
}

/** The last seven days' inbound TLS overview, for the dashboard's card. */
export async function getTlsWeek(): Promise<Overview> {
  const admin = await requireAdmin();
  const { overview } = await tlsOverview(db(), admin, defaultRange(7));
  return overview;
}

/** Who, in the last `days` of recorded mail and logins, a stricter TLS policy would have refused. */
export async function getPolicyImpact(change: ImpactChange, days = 30): Promise<PolicyImpact> {
  const admin = await requireAdmin();
  return tlsPolicyImpact(db(), admin, change, days);
}
