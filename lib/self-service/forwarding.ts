import { audit } from '@/lib/audit/audit';
import { announce } from '@/lib/audit/announce';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { normalizeAddress } from '@/lib/validations/address';
import type { MailUser } from './types';

/** Forwarding targets per mailbox: a few devices or accounts, not a mailing list. */
export const MAX_FORWARDS = 5;

export interface Forwarding {
  /** The policy's allowForwarding for the mailbox's domain: off, nothing is forwarded. */
  allowed: boolean;
  destinations: string[];
  keepCopy: boolean;
}

export async function getForwarding(db: Db, user: MailUser): Promise<Forwarding> {
  const [policy, row] = await Promise.all([
    getEffectivePolicy(db, user.domainId),
    db.mailboxForwarding.findUnique({ where: { mailboxId: user.id }, select: { destinations: true, keepCopy: true } }),
  ]);
  return { allowed: policy.allowForwarding, destinations: row?.destinations ?? [], keepCopy: row?.keepCopy ?? true };
}

/**
 * Sets (or, with no destinations, ends) the mailbox's forwarding. Allowed only when the
 * domain's policy says so; at most MAX_FORWARDS single addresses (never a domain or a
 * catch-all), not the mailbox itself, and no local address whose own forwarding comes straight
 * back here. Longer chains are cut at delivery: recipient resolution visits each address once.
 */
export async function setForwarding(db: Db, user: MailUser, input: { destinations: string[]; keepCopy: boolean }): Promise<Forwarding> {
  const policy = await getEffectivePolicy(db, user.domainId);
  const list = input.destinations.map((d) => d.trim()).filter(Boolean);
  if (list.length && !policy.allowForwarding) throw new ServiceError('forbidden', 'forwarding is turned off for your domain', 'destinations');
  if (list.length > MAX_FORWARDS) throw new ServiceError('invalid', `at most ${MAX_FORWARDS} addresses`, 'destinations');
  const destinations: string[] = [];
  for (const d of list) {
    const { address } = normalizeAddress(d, 'destinations');
    if (address === user.address) throw new ServiceError('invalid', 'your own address is where the mail already is', 'destinations');
    const back = await db.mailboxForwarding.findFirst({ where: { mailbox: { address }, destinations: { has: user.address } }, select: { mailboxId: true } });
    if (back) throw new ServiceError('invalid', `${address} forwards to you: that would be a loop`, 'destinations');
    if (!destinations.includes(address)) destinations.push(address);
  }
  const keepCopy = destinations.length ? input.keepCopy : true;
  await db.$transaction(async (tx) => {
    if (destinations.length) {
      await tx.mailboxForwarding.upsert({
        where: { mailboxId: user.id },
        create: { mailboxId: user.id, destinations, keepCopy },
        update: { destinations, keepCopy },
      });
    } else {
      await tx.mailboxForwarding.deleteMany({ where: { mailboxId: user.id } });
    }
    await audit(tx, user, 'mailbox.forwarding', user.address, undefined, { destinations, keepCopy }, user.ip);
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: user.id });
  });
  return { allowed: policy.allowForwarding, destinations, keepCopy };
}
