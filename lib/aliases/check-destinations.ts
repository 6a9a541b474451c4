import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { normalizeAddress, splitAddress, stripSubaddress } from '@/lib/validations/address';

export const MAX_DESTINATIONS = 100;
// Deeper chains than this are refused at write time, and resolveRecipient stops there too.
export const MAX_ALIAS_DEPTH = 8;

/**
 * Normalizes destinations and checks them against the directory: a destination in a
 * local domain must be a mailbox or an alias; remote ones are taken as given.
 * Refuses an alias that would (through other aliases) lead back to itself.
 */
export async function checkDestinations(db: DbOrTx, source: string, input: string[]): Promise<string[]> {
  const list = [...new Set(input.map((d) => String(d).trim()).filter(Boolean).map((d) => normalizeAddress(d, 'destinations').address))];
  if (list.length === 0) throw new ServiceError('invalid', 'at least one destination is required', 'destinations');
  if (list.length > MAX_DESTINATIONS) throw new ServiceError('invalid', `at most ${MAX_DESTINATIONS} destinations`, 'destinations');
  if (list.includes(source)) throw new ServiceError('invalid', `${source} cannot forward to itself`, 'destinations');

  const domains = [...new Set(list.map((d) => splitAddress(d).domain))];
  const local = await db.domain.findMany({ where: { name: { in: domains } }, select: { id: true, name: true } });
  // Each local domain's subaddress delimiter (RFC 5233), as delivery reads it from the domain's policy.
  const delimiters = new Map(await Promise.all(local.map(async (d) => [d.name, (await getEffectivePolicy(db, d.id)).recipientDelimiter] as const)));
  const localDest = list.filter((d) => delimiters.has(splitAddress(d).domain));
  // "bob+lists@x" is fine when bob@x exists: delivery strips the subaddress. Null without one.
  const stripTag = (address: string) => {
    const base = stripSubaddress(address, delimiters.get(splitAddress(address).domain) ?? '');
    return base === address ? null : base;
  };
  const lookup = [...localDest, ...localDest.map(stripTag).filter((a): a is string => a !== null)];
  const mailboxes = new Set((await db.mailbox.findMany({ where: { address: { in: lookup } }, select: { address: true } })).map((m) => m.address));
  const aliases = new Set((await db.alias.findMany({ where: { source: { in: localDest } }, select: { source: true } })).map((a) => a.source));
  const unknown = localDest.filter((d) => !mailboxes.has(d) && !aliases.has(d) && !mailboxes.has(stripTag(d) ?? ''));
  if (unknown.length) throw new ServiceError('invalid', `no local mailbox or alias ${unknown.join(', ')}`, 'destinations');

  await refuseLoop(db, source, list);
  return list;
}

/** Walks the alias graph breadth-first from the new destinations; reaching `source` is a loop. */
async function refuseLoop(db: DbOrTx, source: string, destinations: string[]): Promise<void> {
  const seen = new Set<string>([source]);
  let frontier = destinations;
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth >= MAX_ALIAS_DEPTH) throw new ServiceError('invalid', `aliases nest deeper than ${MAX_ALIAS_DEPTH} levels`, 'destinations');
    const rows = await db.alias.findMany({ where: { source: { in: frontier } }, select: { source: true, destinations: true } });
    const next: string[] = [];
    for (const row of rows) {
      for (const d of row.destinations) {
        if (d === source) throw new ServiceError('invalid', `this would make a loop: ${row.source} already forwards to ${source}`, 'destinations');
        if (!seen.has(d)) {
          seen.add(d);
          next.push(d);
        }
      }
    }
    frontier = next;
  }
}
