import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy';
import { normalizeDomain } from '@/lib/validations/domain';
import { clientSettings, type ClientSettings } from './settings';

export interface ServerFacts {
  /** POSTERN_HOSTNAME. */
  hostname: string;
  /** POSTERN_IMAP_PORT is set: the daemon also speaks IMAP with STARTTLS. */
  imapStartTls: boolean;
  /** POSTERN_POP3_PORT is set: the daemon also speaks POP3 with STLS. */
  pop3StartTls: boolean;
}

/**
 * One of our domains that is enabled, by any spelling of its name; null otherwise (unknown,
 * disabled or not a domain name at all): public discovery answers only for live domains.
 */
export async function findEnabledDomain(db: Db, name: string): Promise<{ id: string; name: string } | null> {
  let canonical: string;
  try {
    canonical = normalizeDomain(name);
  } catch {
    return null;
  }
  return db.domain.findFirst({ where: { name: canonical, enabled: true }, select: { id: true, name: true } });
}

/** The client settings for an address (or just a domain) of ours; 'not_found' for any other domain. */
export async function clientSettingsFor(db: Db, server: ServerFacts, target: { domain: string; address?: string | null }): Promise<ClientSettings> {
  const domain = await findEnabledDomain(db, target.domain);
  if (!domain) throw new ServiceError('not_found', 'not a mail domain of this server', 'domain');
  const policy = await getEffectivePolicy(db, domain.id);
  return clientSettings({ ...server, domain: domain.name, address: target.address, allowCleartextAuth: policy.allowCleartextAuth });
}
