import { announce } from '@/lib/audit/announce';
import type { DbOrTx } from '@/lib/audit/types';
import { CHANNELS } from '@/lib/db/channels';

/** NOTIFY CHANNELS.dkim (on commit inside a transaction): every daemon reloads its signing keys. */
export function announceDkim(db: DbOrTx, domainId: string): Promise<void> {
  return announce(db, CHANNELS.dkim, { domainId });
}
