import type { DnsResolver } from '@/lib/dns/resolver';

// The client's reverse DNS name (PTR, RFC 1035 §3.5) for the Received field's "(name [ip])" and
// the receipt. Asked through the daemon's one resolver (POSTERN_DNS_SERVERS) the moment a
// connection is accepted, never in front of the greeting: the session awaits the name only where
// it writes it (end of DATA), and no longer than REVERSE_DNS_TIMEOUT_MS after the connection
// began; a name not known by then is "unknown", as Postfix writes it.
//
// The name is the first PTR name, unconfirmed (no forward lookup), as smtp-server gave it before:
// a name that is not a host name (PTR data is the address owner's to write, CR/LF and all) counts
// as none. Nothing decides on the name; it is only recorded.
//
// The cache holds DNS answers, not daemon state: each daemon process keeps its own (several
// daemons behind one address each ask once per expiry), bounded in entries and in time. A lookup
// the session gave up on keeps running in the resolver (its own timeout) and fills the cache for
// the next connection; concurrent connections from one address share one query.

/** How long a session waits for the name, counted from the connection's start (smtp-server's own bound was 1.5 s). */
export const REVERSE_DNS_TIMEOUT_MS = 1_500;

export interface ReverseDnsLimits {
  maxEntries: number;
  /** A name found. */
  nameMs: number;
  /**
   * No name: NXDOMAIN, no usable name, but also SERVFAIL or a timeout — the reverse lookup
   * (c-ares' getHostByAddr, which reads /etc/hosts first as the system's resolver does) reports
   * every failure as ENOTFOUND, so a "none" may be a passing failure and is kept only briefly.
   */
  noNameMs: number;
}

export const REVERSE_DNS_LIMITS: ReverseDnsLimits = { maxEntries: 10_000, nameMs: 60 * 60_000, noNameMs: 60_000 };

/** One connection's view of its client's name. */
export interface ReverseName {
  /** The name once settled (null: none, failed or too late); undefined while the lookup runs. */
  readonly known: string | null | undefined;
  /** Settles with the name or null, at the latest the timeout after the lookup began; never rejects. */
  readonly ready: Promise<string | null>;
}

// smtp-server's check on PTR names: LDH labels (and "_") of at most 63, 253 in all.
const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/i;

/** A PTR name we may write into a header, lowercased without its root dot; null otherwise. */
export function usableHostName(name: string | undefined): string | null {
  if (!name || name.length > 253) return null;
  const bare = name.replace(/\.$/, '').toLowerCase();
  if (!bare || !bare.split('.').every((l) => l.length > 0 && l.length <= 63 && LABEL.test(l))) return null;
  return bare;
}

interface Entry {
  name: string | null;
  until: number;
}

export class ReverseDns {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string | null>>();
  private readonly limits: ReverseDnsLimits;

  constructor(
    private readonly resolver: Pick<DnsResolver, 'ptr'>,
    limits: Partial<ReverseDnsLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...REVERSE_DNS_LIMITS, ...limits };
  }

  /** Starts (or joins, or answers from the cache) the lookup for `ip`; waits at most `timeoutMs` from now. */
  lookup(ip: string, timeoutMs = REVERSE_DNS_TIMEOUT_MS): ReverseName {
    const cached = this.cached(ip);
    if (cached !== undefined) return { known: cached, ready: Promise.resolve(cached) };
    let query = this.inflight.get(ip);
    if (!query) {
      query = this.ask(ip);
      this.inflight.set(ip, query);
    }
    let known: string | null | undefined;
    const running = query;
    const ready = new Promise<string | null>((resolve) => {
      const settle = (name: string | null) => {
        clearTimeout(timer);
        if (known === undefined) known = name; // a late answer after the timeout changes nothing for this session
        resolve(known);
      };
      // Only a lookup still running holds a timer; unref'd, it never keeps the process up.
      const timer = setTimeout(() => settle(null), timeoutMs);
      timer.unref();
      void running.then(settle);
    });
    return {
      get known() {
        return known;
      },
      ready,
    };
  }

  /** Entries held (tests, status). */
  get size(): number {
    return this.cache.size;
  }

  private cached(ip: string): string | null | undefined {
    const entry = this.cache.get(ip);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.cache.delete(ip);
      return undefined;
    }
    // Most recently used last: the oldest entry is the first to go when the cache is full.
    this.cache.delete(ip);
    this.cache.set(ip, entry);
    return entry.name;
  }

  private async ask(ip: string): Promise<string | null> {
    let name: string | null = null;
    try {
      name = usableHostName((await this.resolver.ptr(ip))[0]);
    } catch {
      // none, for now (see noNameMs)
    }
    this.inflight.delete(ip);
    this.cache.set(ip, { name, until: this.now() + (name ? this.limits.nameMs : this.limits.noNameMs) });
    while (this.cache.size > this.limits.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return name;
  }
}
