import 'server-only';
import { listDomains, type DomainListItem } from '@/lib/domains';
import { db } from './db';
import { requireAdmin } from './session';

export type { DomainListItem };

/** The signed-in admin's domains with their counts. */
export async function getDomains(): Promise<DomainListItem[]> {
  const admin = await requireAdmin();
  return listDomains(db(), admin);
}

/** id + name of the admin's enabled-or-not domains, for pickers. */
export async function getDomainChoices(): Promise<{ id: string; name: string; enabled: boolean }[]> {
  const domains = await getDomains();
  return domains.map((d) => ({ id: d.id, name: d.name, enabled: d.enabled }));
}
