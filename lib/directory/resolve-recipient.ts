import type { Db } from '@/lib/db/prisma';
import { MAX_ALIAS_DEPTH } from '@/lib/aliases/check-destinations';
import { normalizeAddress, splitAddress, stripSubaddress } from '@/lib/validations/address';

export interface LocalTarget {
  id: string;
  address: string;
  domainId: string;
}

export type TargetState = 'unknown' | 'disabled' | 'over_quota';

/**
 * What RCPT TO should answer:
 * - ok: deliver to `mailboxes` (deduplicated) and forward to `remote`;
 * - unknown → 550 5.1.1, disabled → 550 5.2.1, over_quota → 452 4.2.2;
 * - not_local: the domain is not ours (relay rules apply, not this function).
 * `skipped` lists alias targets that could not take the message though others could.
 */
export type Resolution =
  | { status: 'ok'; mailboxes: LocalTarget[]; remote: string[]; skipped: { address: string; state: TargetState }[] }
  | { status: TargetState | 'not_local' };

interface MailboxRow {
  id: string;
  address: string;
  domainId: string;
  enabled: boolean;
  quotaBytes: bigint;
  usedBytes: bigint;
  domain: { enabled: boolean };
  forwarding: { destinations: string[]; keepCopy: boolean } | null;
}

const mailboxSelect = {
  id: true,
  address: true,
  domainId: true,
  enabled: true,
  quotaBytes: true,
  usedBytes: true,
  domain: { select: { enabled: true } },
  forwarding: { select: { destinations: true, keepCopy: true } },
} as const;

/**
 * Resolves one recipient: exact alias, then mailbox, then the same two with the
 * subaddress (RFC 5233) stripped (the recipient domain's delimiter, from `delimiterFor` so
 * callers can serve it from their policy cache), then the domain's catch-all.
 * Alias destinations resolve the same way (without catch-all) up to MAX_ALIAS_DEPTH.
 * `messageBytes` (from SIZE= or the DATA) makes "would not fit" count as over quota.
 * A mailbox's own forwarding (self-service) is followed only where `forwardingAllowed` says its
 * domain's policy allows it; its destinations resolve like an alias's, so a chain that comes back
 * to an address already visited ends there (no loop), and without keepCopy the mailbox itself
 * gets nothing.
 */
export async function resolveRecipient(
  db: Db,
  address: string,
  delimiterFor: (domainId: string) => string | Promise<string>,
  options: { messageBytes?: number; forwardingAllowed?: (domainId: string) => boolean | Promise<boolean> } = {},
): Promise<Resolution> {
  let a;
  try {
    a = normalizeAddress(address);
  } catch {
    return { status: 'unknown' };
  }
  const domain = await db.domain.findUnique({ where: { name: a.domain }, select: { id: true, enabled: true } });
  if (!domain) return { status: 'not_local' };
  if (!domain.enabled) return { status: 'disabled' };

  const mailboxes = new Map<string, LocalTarget>();
  const remote = new Set<string>();
  const skipped: { address: string; state: TargetState }[] = [];
  // Domain name → its id, or null when it is not one of ours.
  const localDomains = new Map<string, string | null>([[a.domain, domain.id]]);
  const seen = new Set<string>();
  const size = BigInt(Math.max(0, Math.trunc(options.messageBytes ?? 0)));

  const localDomainId = async (d: string) => {
    if (!localDomains.has(d)) localDomains.set(d, (await db.domain.findUnique({ where: { name: d }, select: { id: true } }))?.id ?? null);
    return localDomains.get(d)!;
  };

  const take = async (m: MailboxRow, depth: number): Promise<TargetState | null> => {
    if (!m.enabled || !m.domain.enabled) return 'disabled';
    const forwards = m.forwarding?.destinations.length && (await options.forwardingAllowed?.(m.domainId)) ? m.forwarding : null;
    if (forwards) {
      const state = await expandAll(forwards.destinations, depth + 1);
      if (!forwards.keepCopy) return state;
    }
    // Full means no room for this message (its size when known, else one more byte).
    if (m.quotaBytes > 0n && m.usedBytes + (size > 0n ? size : 1n) > m.quotaBytes) return 'over_quota';
    mailboxes.set(m.id, { id: m.id, address: m.address, domainId: m.domainId });
    return null;
  };

  // Returns the state of this target when it could not take the message, or null.
  const expand = async (target: string, depth: number, catchAll: boolean): Promise<TargetState | null> => {
    if (seen.has(target)) return null;
    seen.add(target);
    const dom = splitAddress(target).domain;
    const domainId = await localDomainId(dom);
    if (!domainId) {
      remote.add(target);
      return null;
    }
    const candidates = [target];
    const base = stripSubaddress(target, await delimiterFor(domainId));
    if (base !== target) candidates.push(base);
    for (const candidate of candidates) {
      const alias = await db.alias.findUnique({ where: { source: candidate }, select: { destinations: true, enabled: true } });
      if (alias?.enabled) return expandAll(alias.destinations, depth + 1);
      const mailbox = await db.mailbox.findUnique({ where: { address: candidate }, select: mailboxSelect });
      if (mailbox) return take(mailbox, depth);
    }
    if (catchAll) {
      const alias = await db.alias.findUnique({ where: { source: `@${dom}` }, select: { destinations: true, enabled: true } });
      if (alias?.enabled) return expandAll(alias.destinations, depth + 1);
    }
    return 'unknown';
  };

  const expandAll = async (destinations: string[], depth: number): Promise<TargetState | null> => {
    if (depth > MAX_ALIAS_DEPTH) return 'unknown';
    const states: TargetState[] = [];
    for (const d of destinations) {
      const state = await expand(d.toLowerCase(), depth, false);
      if (state) {
        states.push(state);
        skipped.push({ address: d, state });
      }
    }
    return states.length === destinations.length ? worst(states) : null;
  };

  const state = await expand(a.address, 0, true);
  if (mailboxes.size === 0 && remote.size === 0) return { status: state ?? 'unknown' };
  return { status: 'ok', mailboxes: [...mailboxes.values()], remote: [...remote], skipped };
}

// Over quota is temporary (the sender retries), so it wins over permanent refusals.
function worst(states: TargetState[]): TargetState {
  if (states.includes('over_quota')) return 'over_quota';
  if (states.includes('disabled')) return 'disabled';
  return 'unknown';
}
