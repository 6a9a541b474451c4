import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { parseInput } from '@/lib/certificates/schemas';
import { sealKey } from '@/lib/certificates/keys';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { createDkimKeyPair } from './key-pair';
import { announceDkim } from './notify';
import { generateDkimKeySchema, type GenerateDkimKeyInput } from './schemas';
import { DKIM_VIEW_SELECT, toDkimKeyView, type DkimKeyView } from './view';

/** `p20261202r`: the day it was made and its type (r = RSA, e = Ed25519), so a zone file tells keys apart. */
function defaultSelector(algorithm: 'rsa' | 'ed25519', now: Date, taken: Set<string>): string {
  const base = `p${now.toISOString().slice(0, 10).replace(/-/g, '')}${algorithm === 'rsa' ? 'r' : 'e'}`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
}

/**
 * A new key pair for a domain, pending: it signs nothing until its record is published, found
 * by a DNS check and the key activated. The private key is stored only sealed.
 */
export async function generateDkimKey(db: Db, actor: Actor, raw: GenerateDkimKeyInput, now = new Date()): Promise<DkimKeyView> {
  const input = parseInput(generateDkimKeySchema, raw);
  const pair = createDkimKeyPair(input.type);
  return conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const domain = await findDomainInScope(tx, actor, input.domain);
        const existing = await tx.dkimKey.findMany({ where: { domainId: domain.id }, select: { selector: true } });
        const taken = new Set(existing.map((k) => k.selector));
        if (input.selector && taken.has(input.selector)) {
          throw new ServiceError('conflict', `${domain.name} already has a key with selector ${input.selector} (selectors are never reused)`, 'selector');
        }
        const selector = input.selector ?? defaultSelector(input.type, now, taken);
        const row = await tx.dkimKey.create({
          data: { domainId: domain.id, selector, algorithm: input.type, publicKey: pair.publicKey, privateKeySealed: sealKey(pair.privateKeyPem), createdAt: now },
          select: DKIM_VIEW_SELECT,
        });
        await audit(tx, actor, 'dkim.generate', `${selector}._domainkey.${domain.name}`, undefined, { domain: domain.name, selector, algorithm: input.type, status: 'pending' });
        await announceDkim(tx, domain.id);
        return toDkimKeyView(domain.name, row);
      }),
    'selector',
    'this selector is already taken for this domain',
  );
}
