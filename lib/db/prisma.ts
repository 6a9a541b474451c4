import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/prisma/client';

export type Db = PrismaClient;

export function createPrisma(connectionString: string, max = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max }) });
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
