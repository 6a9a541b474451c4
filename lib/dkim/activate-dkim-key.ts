import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy';
import { findDkimKey } from './find-key';
import { announceDkim } from './notify';
import type { DkimKeyRef } from './schemas';
import { DKIM_VIEW_SELECT, toDkimKeyView, type DkimKeyView } from './view';

/** How recent the DNS check that found the record must be: a record seen yesterday may be gone. */
const ACTIVATE_CHECK_MAX_AGE_MS = 60 * 60_000;

export interface ActivatedDkimKey {
  key: DkimKeyView;
  /** The key that signed until now, retiring until its retireAfter (its record must stay published). */
  replaced: { selector: string; retireAfter: Date } | null;
}

/**
 * Makes a key the domain's signing key. Only once its record was just found in DNS: a verifier
 * must find the key of every signature we make (RFC 6376 §3.6.2). The key that signed before
 * becomes retiring for the policy's dkimRetireGraceDays, so mail it signed still verifies.
 */
export async function activateDkimKey(db: Db, actor: Actor, ref: DkimKeyRef, now = new Date()): Promise<ActivatedDkimKey> {
  return db.$transaction(async (tx) => {
    const { domain, key } = await findDkimKey(tx, actor, ref);
    // One activation per domain at a time: two at once would each retire the other's key.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`dkim:${domain.id}`}))`;
    const fresh = await tx.dkimKey.findUniqueOrThrow({ where: { id: key.id }, select: { status: true, dnsStatus: true, dnsCheckedAt: true } });
    if (fresh.status === 'active') throw new ServiceError('conflict', `${ref.selector} already signs for ${domain.name}`, 'selector');
    if (fresh.status === 'retired') throw new ServiceError('invalid', 'a retired key is never used again: generate a new one', 'selector');
    if (fresh.dnsStatus !== 'found' || !fresh.dnsCheckedAt || now.getTime() - fresh.dnsCheckedAt.getTime() > ACTIVATE_CHECK_MAX_AGE_MS) {
      throw new ServiceError('invalid', 'publish the record and check DNS first: a key signs only once its record was just found', 'selector');
    }
    const { dkimRetireGraceDays } = await getEffectivePolicy(tx, domain.id);
    const previous = await tx.dkimKey.findFirst({ where: { domainId: domain.id, status: 'active' }, select: { id: true, selector: true } });
    let replaced: ActivatedDkimKey['replaced'] = null;
    if (previous) {
      const retireAfter = new Date(now.getTime() + dkimRetireGraceDays * 86_400_000);
      await tx.dkimKey.update({ where: { id: previous.id }, data: { status: 'retiring', retiringAt: now, retireAfter } });
      await audit(tx, actor, 'dkim.retiring', `${previous.selector}._domainkey.${domain.name}`, { status: 'active' }, { status: 'retiring', retireAfter });
      replaced = { selector: previous.selector, retireAfter };
    }
    const row = await tx.dkimKey.update({
      where: { id: key.id },
      data: { status: 'active', activatedAt: now, retiringAt: null, retireAfter: null },
      select: DKIM_VIEW_SELECT,
    });
    await audit(tx, actor, 'dkim.activate', `${row.selector}._domainkey.${domain.name}`, { status: fresh.status }, { status: 'active', replaced: replaced?.selector ?? null });
    await announceDkim(tx, domain.id);
    return { key: toDkimKeyView(domain.name, row), replaced };
  });
}
