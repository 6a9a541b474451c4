import type { Db } from '@/lib/db/prisma';
import { getEffectivePolicy, type Policy, type PolicyReader } from '@/lib/policy';

export interface PolicyCacheOptions {
  /** Bounds staleness should a notification ever be missed. */
  ttlMs?: number;
  /** A change listener threw; the others still run. */
  onListenerError?: (err: Error) => void;
}

/**
 * Effective policies, read once and kept until a NOTIFY on CHANNELS.policy says
 * something changed (`openDaemonPolicy` in ./policy wires `invalidate` to the bus,
 * once per daemon). SMTP sessions take a snapshot when they connect, so a change
 * applies from the next connection on; readers that hold a value between
 * connections (APPENDLIMIT, the TLS floor) re-read it from `onChange`.
 */
export class PolicyCache implements PolicyReader {
  private readonly entries = new Map<string, { at: number; value: Promise<Policy> }>();
  private readonly listeners = new Set<() => void>();
  private readonly ttlMs: number;
  private readonly onListenerError: (err: Error) => void;

  constructor(
    private readonly db: Db,
    options: PolicyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  /** The global policy, or a domain's effective one (defaults ← global ← the domain's override). */
  get(domainId?: string | null): Promise<Policy> {
    const key = domainId ?? '';
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = getEffectivePolicy(this.db, domainId ?? null);
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.delete(key)); // never cache a failure
    return value;
  }

  /** Called after every invalidation, when `get` already reads afresh. Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets every cached policy (a domain's change can be the global row's), then tells the listeners. */
  invalidate(): void {
    this.entries.clear();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.onListenerError(err as Error);
      }
    }
  }
}
