import type { Actor } from '@/lib/actor';
import { isGlobal } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { adminSelect, toAdminDto, type AdminDto } from './dto';

/** Global admins see every admin; a domain admin sees only itself. */
export async function listAdmins(db: Db, actor: Actor): Promise<AdminDto[]> {
  const where = isGlobal(actor) ? {} : { id: (actor as { id: string }).id };
  const rows = await db.admin.findMany({ where, orderBy: { email: 'asc' }, select: adminSelect });
  return rows.map(toAdminDto);
}
