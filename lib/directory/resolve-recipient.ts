import { prepared } from '@/lib/db/pool';
import type { Db } from '@/lib/db/prisma';
import { MAX_ALIAS_DEPTH } from '@/lib/aliases/check-destinations';
import { normalizeAddress, splitAddress, stripSubaddress } from '@/lib/validations/address';

export interface LocalTarget {
  id: string;
  address: string;
  domainId: string;
  /** Its owner has a vacation reply on (RFC 3834), so delivery asks whether to answer; read with the mailbox. */
  away: boolean;
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
  domainEnabled: boolean;
  forwarding: { destinations: string[]; keepCopy: boolean } | null;
  away: boolean;
}

interface AliasRow {
  destinations: string[];
  enabled: boolean;
}

/** A pg pool or client, or the Prisma client (through $queryRawUnsafe). */
export type DirectoryDb = Db | { query(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };

/** Every delimiter a domain policy may choose (lib/policy/schema.ts), to fetch each possible base address at once. */
const DELIMITERS = ['+', '-', '_', '.', '='];

/**
 * One statement for a set of addresses: their domains, and the aliases and mailboxes (with the
 * domain's enabled flag, the mailbox's own forwarding and whether its vacation reply is on) under every address they may resolve
 * through: the address itself, its base for each possible subaddress delimiter, the catch-all.
 */
const LOOKUP = prepared(`SELECT
  (SELECT coalesce(json_agg(json_build_object('name', d.name, 'id', d.id, 'enabled', d.enabled)), '[]')
     FROM domains d WHERE d.name = ANY($1::text[]))::text AS domains,
  (SELECT coalesce(json_agg(json_build_object('source', a.source, 'destinations', a.destinations, 'enabled', a.enabled)), '[]')
     FROM aliases a WHERE a.source = ANY($2::text[]))::text AS aliases,
  (SELECT coalesce(json_agg(json_build_object('id', m.id, 'address', m.address, 'domainId', m.domain_id, 'enabled', m.enabled,
            'quotaBytes', m.quota_bytes::text, 'usedBytes', m.used_bytes::text, 'domainEnabled', d.enabled,
            'destinations', f.destinations, 'keepCopy', f.keep_copy,
            'away', EXISTS (SELECT 1 FROM vacation_settings v WHERE v.mailbox_id = m.id AND v.enabled))), '[]')
     FROM mailboxes m JOIN domains d ON d.id = m.domain_id LEFT JOIN mailbox_forwarding f ON f.mailbox_id = m.id
    WHERE m.address = ANY($2::text[]))::text AS mailboxes`);

interface LookupRow {
  domains: string;
  aliases: string;
  mailboxes: string;
}

/** What the directory holds under the addresses asked so far, fetched a batch (one statement) at a time. */
class DirectoryLookup {
  private readonly asked = new Set<string>();
  private readonly domains = new Map<string, { id: string; enabled: boolean } | null>();
  private readonly aliases = new Map<string, AliasRow>();
  private readonly mailboxes = new Map<string, MailboxRow>();

  constructor(private readonly db: DirectoryDb) {}

  /** Fetches what is not known yet about these (normalised) addresses. */
  async fetch(addresses: string[]): Promise<void> {
    const fresh = [...new Set(addresses)].filter((a) => !this.asked.has(a));
    if (!fresh.length) return;
    const domains = new Set<string>();
    const keys = new Set<string>();
    for (const address of fresh) {
      this.asked.add(address);
      const { domain } = splitAddress(address);
      domains.add(domain);
      keys.add(address).add(`@${domain}`);
      for (const d of DELIMITERS) keys.add(stripSubaddress(address, d));
    }
    const values = [[...domains], [...keys]];
    const row = 'query' in this.db
      ? ((await this.db.query(LOOKUP, values)).rows[0] as LookupRow)
      : (await this.db.$queryRawUnsafe<LookupRow[]>(LOOKUP, ...values))[0];
    for (const d of domains) this.domains.set(d, null);
    for (const d of JSON.parse(row.domains) as { name: string; id: string; enabled: boolean }[]) this.domains.set(d.name, { id: d.id, enabled: d.enabled });
    for (const a of JSON.parse(row.aliases) as (AliasRow & { source: string })[]) this.aliases.set(a.source, { destinations: a.destinations, enabled: a.enabled });
    type Raw = Omit<MailboxRow, 'quotaBytes' | 'usedBytes' | 'forwarding'> & { quotaBytes: string; usedBytes: string; destinations: string[] | null; keepCopy: boolean | null };
    for (const m of JSON.parse(row.mailboxes) as Raw[]) {
      this.mailboxes.set(m.address, {
        id: m.id,
        address: m.address,
        domainId: m.domainId,
        enabled: m.enabled,
        quotaBytes: BigInt(m.quotaBytes),
        usedBytes: BigInt(m.usedBytes),
        domainEnabled: m.domainEnabled,
        forwarding: m.destinations ? { destinations: m.destinations, keepCopy: m.keepCopy ?? true } : null,
        away: m.away,
      });
    }
  }

  async domain(name: string) {
    if (!this.domains.has(name)) await this.fetch([`@${name}`]);
    return this.domains.get(name) ?? null;
  }

  alias(source: string): AliasRow | null {
    return this.aliases.get(source) ?? null;
  }

  mailbox(address: string): MailboxRow | null {
    return this.mailboxes.get(address) ?? null;
  }
}

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
  db: DirectoryDb,
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
  const directory = new DirectoryLookup(db);
  await directory.fetch([a.address]);
  const domain = await directory.domain(a.domain);
  if (!domain) return { status: 'not_local' };
  if (!domain.enabled) return { status: 'disabled' };

  const mailboxes = new Map<string, LocalTarget>();
  const remote = new Set<string>();
  const skipped: { address: string; state: TargetState }[] = [];
  // Domain name → its id, or null when it is not one of ours.
  const seen = new Set<string>();
  const size = BigInt(Math.max(0, Math.trunc(options.messageBytes ?? 0)));

  const take = async (m: MailboxRow, depth: number): Promise<TargetState | null> => {
    if (!m.enabled || !m.domainEnabled) return 'disabled';
    const forwards = m.forwarding?.destinations.length && (await options.forwardingAllowed?.(m.domainId)) ? m.forwarding : null;
    if (forwards) {
      const state = await expandAll(forwards.destinations, depth + 1);
      if (!forwards.keepCopy) return state;
    }
    // Full means no room for this message (its size when known, else one more byte).
    if (m.quotaBytes > 0n && m.usedBytes + (size > 0n ? size : 1n) > m.quotaBytes) return 'over_quota';
    mailboxes.set(m.id, { id: m.id, address: m.address, domainId: m.domainId, away: m.away });
    return null;
  };

  // Returns the state of this target when it could not take the message, or null.
  const expand = async (target: string, depth: number, catchAll: boolean): Promise<TargetState | null> => {
    if (seen.has(target)) return null;
    seen.add(target);
    const dom = splitAddress(target).domain;
    await directory.fetch([target]);
    const domainId = (await directory.domain(dom))?.id;
    if (!domainId) {
      remote.add(target);
      return null;
    }
    const candidates = [target];
    const base = stripSubaddress(target, await delimiterFor(domainId));
    if (base !== target) candidates.push(base);
    for (const candidate of candidates) {
      const alias = directory.alias(candidate);
      if (alias?.enabled) return expandAll(alias.destinations, depth + 1);
      const mailbox = directory.mailbox(candidate);
      if (mailbox) return take(mailbox, depth);
    }
    if (catchAll) {
      const alias = directory.alias(`@${dom}`);
      if (alias?.enabled) return expandAll(alias.destinations, depth + 1);
    }
    return 'unknown';
  };

  const expandAll = async (destinations: string[], depth: number): Promise<TargetState | null> => {
    if (depth > MAX_ALIAS_DEPTH) return 'unknown';
    const states: TargetState[] = [];
    // One statement for the whole level, not one per destination.
    await directory.fetch(destinations.filter((d) => !seen.has(d.toLowerCase())).map((d) => d.toLowerCase()));
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
