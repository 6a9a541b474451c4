import type { Channel } from '@/lib/db/channels';
import type { DbOrTx } from './types';

/**
 * NOTIFY through Prisma (lib/db/notify.ts wants a pg client). Inside a transaction
 * Postgres delivers it only on commit, so listeners never see a rolled-back change.
 */
export async function announce(db: DbOrTx, channel: Channel, payload: object): Promise<void> {
  await db.$queryRaw`SELECT 1 AS sent FROM (SELECT pg_notify(${channel}, ${JSON.stringify(payload)})) AS n`;
}
