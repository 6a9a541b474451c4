import 'server-only';
import { listAliases } from '@/lib/aliases';
import { domainChoices, type DomainChoice } from '@/lib/forms/domains';
import { getEffectivePolicy } from '@/lib/policy';
import { db } from './db';
import { requireAdmin } from './session';

export type { DomainChoice };

/** An alias as the list shows it. */
export interface AliasRow {
  id: string;
  /** "sales@example.org", or "@example.org" for a catch-all. */
  source: string;
  destinations: string[];
  enabled: boolean;
}

export interface AliasPage {
  rows: AliasRow[];
  total: number;
  /** The admin's domains, for the filter and the new-alias form. */
  domains: DomainChoice[];
  /** The filter's domain when it is one of the admin's; anything else in the URL is ignored. */
  domain: string | undefined;
  /** Policy recipientDelimiter ("+"), which a new alias's local part may not contain. */
  recipientDelimiter: string;
}

/** One page of the admin's aliases, searched in source and destinations, optionally in one of its domains. */
export async function getAliasPage(query: { q?: string; domain?: string; page: number; pageSize: number }): Promise<AliasPage> {
  const admin = await requireAdmin();
  const database = db();
  const domains = await domainChoices(database, admin);
  const domain = domains.find((d) => d.name === query.domain)?.name;
  const [list, policy] = await Promise.all([
    listAliases(database, admin, { search: query.q, domain, page: query.page, pageSize: query.pageSize }),
    getEffectivePolicy(database),
  ]);
  return {
    rows: list.rows.map((a) => ({ id: a.id, source: a.source, destinations: a.destinations, enabled: a.enabled })),
    total: list.total,
    domains,
    domain,
    recipientDelimiter: policy.recipientDelimiter,
  };
}

/** What the new-alias form offers: the admin's domains and the recipient delimiter a local part may not contain. */
export async function getAliasFormChoices(): Promise<{ domains: DomainChoice[]; recipientDelimiter: string }> {
  const admin = await requireAdmin();
  const database = db();
  const [domains, policy] = await Promise.all([domainChoices(database, admin), getEffectivePolicy(database)]);
  return { domains, recipientDelimiter: policy.recipientDelimiter };
}
