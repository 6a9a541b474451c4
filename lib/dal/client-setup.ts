import 'server-only';
import { clientSettingsFor, type ClientSettings } from '@/lib/client-setup';
import { serverFacts } from '@/lib/client-setup/http';
import { isServiceError } from '@/lib/errors';
import { getMailbox as getMailboxService } from '@/lib/mailboxes/find-mailbox';
import { db } from './db';
import { requireAdmin } from './session';

/** What a mailbox's mail client must be told; null when its domain is disabled (nothing is served for it). */
export async function getClientSettings(address: string): Promise<ClientSettings | null> {
  const admin = await requireAdmin();
  const mailbox = await getMailboxService(db(), admin, { address });
  try {
    return await clientSettingsFor(db(), serverFacts(), { domain: mailbox.domain, address: mailbox.address });
  } catch (err) {
    if (isServiceError(err) && err.code === 'not_found') return null;
    throw err;
  }
}
