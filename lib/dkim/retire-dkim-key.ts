import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { findDkimKey } from './find-key';
import { announceDkim } from './notify';
import type { DkimKeyRef } from './schemas';

export interface RetiredDkimKey {
  selector: string;
  /** The key was the signing one: the domain's mail now leaves unsigned until another is activated. */
  unsigned: boolean;
}

/**
 * Retires a key at once (its record may then be removed). Retiring the active key is allowed, to
 * stop a compromised key, but leaves the domain unsigned.
 */
export async function retireDkimKey(db: Db, actor: Actor, ref: DkimKeyRef, now = new Date()): Promise<RetiredDkimKey> {
  return db.$transaction(async (tx) => {
    const { domain, key } = await findDkimKey(tx, actor, ref);
    if (key.status === 'retired') throw new ServiceError('conflict', `${key.selector} is already retired`, 'selector');
    await tx.dkimKey.update({ where: { id: key.id }, data: { status: 'retired', retiredAt: now } });
    await audit(tx, actor, 'dkim.retire', `${key.selector}._domainkey.${domain.name}`, { status: key.status }, { status: 'retired' });
    await announceDkim(tx, domain.id);
    return { selector: key.selector, unsigned: key.status === 'active' };
  });
}
