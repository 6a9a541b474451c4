import 'server-only';
import { listDkimKeys, type DkimKeyView } from '@/lib/dkim';
import { isServiceError } from '@/lib/errors';
import { db } from './db';
import { requireAdmin } from './session';

export type { DkimKeyView };

/** A domain's DKIM keys (public part and DNS record only), newest first by status; null when it is not one of the admin's domains. */
export async function getDkimKeys(domain: string): Promise<{ domain: string; keys: DkimKeyView[] } | null> {
  const admin = await requireAdmin();
  return listDkimKeys(db(), admin, { domain }).catch((err: unknown) => {
    if (isServiceError(err)) return null;
    throw err;
  });
}
