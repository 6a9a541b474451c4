import { domainToUnicode } from 'node:url';
import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { listDomains } from '@/lib/domains';

export interface DomainChoice {
  id: string;
  /** Canonical (punycode) name, what forms submit. */
  name: string;
  /** What people read: "bücher.example (xn--bcher-kva.example)" for IDNs. */
  displayName: string;
}

export function displayDomain(name: string): string {
  const unicode = domainToUnicode(name);
  return unicode && unicode !== name ? `${unicode} (${name})` : name;
}

/** The actor's domains for a picker, by name. */
export async function domainChoices(db: Db, actor: Actor): Promise<DomainChoice[]> {
  const rows = await listDomains(db, actor);
  return rows.map((d) => ({ id: d.id, name: d.name, displayName: displayDomain(d.name) }));
}
