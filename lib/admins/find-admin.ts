import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { adminSelect, toAdminDto, type AdminDto } from './dto';
import { normalizeAdminEmail } from './normalize';

export async function findAdmin(db: DbOrTx, email: string): Promise<AdminDto> {
  const e = normalizeAdminEmail(email);
  const row = await db.admin.findUnique({ where: { email: e }, select: adminSelect });
  if (!row) throw new ServiceError('not_found', `no admin ${e}`, 'email');
  return toAdminDto(row);
}
