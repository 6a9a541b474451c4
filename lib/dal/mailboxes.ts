import 'server-only';
import { isServiceError } from '@/lib/errors';
import { getMailbox as getMailboxService } from '@/lib/mailboxes/find-mailbox';
import { mailboxActivity, mailboxRelations, type MailboxActivity, type MailboxRelations } from '@/lib/mailboxes/activity';
import type { MailboxDto } from '@/lib/mailboxes/dto';
import { listMailboxes, MAILBOX_SORTS, type MailboxPage, type MailboxSort } from '@/lib/mailboxes/list-mailboxes';
import { getPolicyOverride, mergePolicy, policyOverrideSchema } from '@/lib/policy';
import type { PasswordRules } from '@/lib/validations/password';
import { db } from './db';
import { getDomains } from './domains';
import { requireAdmin } from './session';

export type { MailboxActivity, MailboxDto, MailboxPage, MailboxSort };
export { MAILBOX_SORTS };
export { LOGIN_SERVICES } from '@/lib/mailboxes/activity';

export const PAGE_SIZE = 50;

export interface MailboxQuery {
  q?: string;
  domain?: string;
  sort?: MailboxSort;
  order?: 'asc' | 'desc';
  page?: number;
}

/**
 * One page of the admin's mailboxes (search, sort, pagination all in Postgres). A domain filter
 * outside the admin's scope (or unknown) gives an empty page and the reason, not a 500.
 */
export async function getMailboxPage(query: MailboxQuery): Promise<{ result: MailboxPage; problem: string | undefined }> {
  const admin = await requireAdmin();
  return listMailboxes(db(), admin, {
    search: query.q,
    domain: query.domain || undefined,
    sort: query.sort,
    order: query.order,
    page: query.page,
    pageSize: PAGE_SIZE,
  }).then(
    (result) => ({ result, problem: undefined }),
    (err: unknown) => {
      if (!isServiceError(err)) throw err;
      return { result: { rows: [], total: 0, page: 1, pageSize: PAGE_SIZE }, problem: err.message };
    },
  );
}

/** One of the admin's mailboxes; null when there is none by that address in its domains. */
export async function getMailbox(address: string): Promise<MailboxDto | null> {
  const admin = await requireAdmin();
  return getMailboxService(db(), admin, { address }).catch((err: unknown) => {
    if (isServiceError(err)) return null;
    throw err;
  });
}

export interface DomainMailboxDefaults {
  /** Password rules in force (domain override included), for the live strength meter. */
  password: PasswordRules;
  defaultQuotaBytes: number;
}

/** Per domain name: what a new mailbox there must meet and gets by default (two queries for any number of domains). */
export async function getMailboxDefaults(): Promise<Record<string, DomainMailboxDefaults>> {
  const domains = await getDomains();
  const database = db();
  const [global, rows] = await Promise.all([
    getPolicyOverride(database, null),
    database.policy.findMany({ where: { domainId: { in: domains.map((d) => d.id) } }, select: { domainId: true, settings: true } }),
  ]);
  const overrides = new Map(rows.map((r) => [r.domainId, r.settings]));
  const entries = await Promise.all(
    domains.map(async (d) => {
      const stored = overrides.get(d.id);
      const parsed = policyOverrideSchema.safeParse(stored ?? {});
      // A row that no longer validates: let lib/policy salvage the keys that do.
      const override = parsed.success ? parsed.data : await getPolicyOverride(database, d.id);
      const policy = mergePolicy(global, override);
      return [d.name, { password: policy.password, defaultQuotaBytes: policy.defaultQuotaBytes }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Last login per protocol, message count and last password change for a page of mailboxes (the admin's domains only). */
export async function getMailboxActivity(ids: string[]): Promise<Map<string, MailboxActivity>> {
  const admin = await requireAdmin();
  return mailboxActivity(db(), admin, ids);
}

/** The aliases delivering to a mailbox and its S/MIME certificates. */
export async function getMailboxRelations(mailbox: { id: string; address: string }): Promise<MailboxRelations> {
  const admin = await requireAdmin();
  return mailboxRelations(db(), admin, mailbox);
}
