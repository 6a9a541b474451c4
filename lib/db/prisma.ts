import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { createPool, type PoolOptions } from './pool';

export type Db = PrismaClient;

/** Prisma over a pool from ./pool.ts (connection errors handled, faulted connections discarded). */
export function createPrisma(connectionString: string, max = 10, onError?: PoolOptions['onError']): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(createPool(connectionString, { max, onError }), { disposeExternalPool: true }) });
}

const globalForPrisma = globalThis as unknown as { postern?: PrismaClient };

/** The process-wide client for DATABASE_URL (set by npm start, the CLI or the environment). */
export function prisma(): PrismaClient {
  if (!globalForPrisma.postern) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    globalForPrisma.postern = createPrisma(url);
  }
  return globalForPrisma.postern;
}
