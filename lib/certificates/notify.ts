import type { DbOrTx } from '@/lib/audit/types';
import { CHANNELS } from '@/lib/db/channels';

/**
 * NOTIFY CHANNELS.certificates (on commit when `db` is a transaction): every
 * daemon rebuilds its TLS contexts. $executeRaw because pg_notify returns void,
 * which $queryRaw cannot deserialize.
 */
export async function announceCertificates(db: DbOrTx, payload: { certificateId: string; reason?: string }): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${CHANNELS.certificates}, ${JSON.stringify(payload)})`;
}
