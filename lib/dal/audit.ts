import 'server-only';
import { listAudit, type AuditRow, type ListAuditInput } from '@/lib/audit';
import { db } from './db';
import { requireAdmin } from './session';

export type { AuditRow };

export interface AuditPage {
  rows: AuditRow[];
  /** Keyset cursor of the next (older) page; null on the last one. */
  next: string | null;
  /** Whether the admin sees every change; a domain admin sees its domains' only. */
  global: boolean;
}

/** One page of the audit log, newest first; a domain admin's holds only rows whose target is one of its domains or an address in them. */
export async function getAuditPage(input: Omit<ListAuditInput, 'before'> & { before?: string }): Promise<AuditPage> {
  const admin = await requireAdmin();
  const { rows, next } = await listAudit(db(), admin, input);
  return { rows, next, global: admin.role === 'GLOBAL' };
}
