import 'server-only';
import { prisma, type Db } from '@/lib/db/prisma';

/** The panel's database client (DATABASE_URL, set by npm start or the test harness). */
export function db(): Db {
  return prisma();
}
