import type { Prisma } from '@/lib/generated/prisma/client';
import type { Db } from '@/lib/db/prisma';

/** A client or an open interactive transaction: helpers that only write take either. */
export type DbOrTx = Db | Prisma.TransactionClient;
