import type { Db } from '@/lib/db/prisma';
import { getEffectivePolicy, type Policy } from '@/lib/policy';

/**
 * Effective policies, read once and kept until a NOTIFY on CHANNELS.policy says
 * something changed (the service wires `invalidate` to the bus). Sessions take
 * a snapshot when they connect, so a change applies from the next connection on.
 * A TTL bounds staleness should a notification ever be missed.
 */
export class PolicyCache {
  private readonly entries = new Map<string, { at: number; value: Promise<Policy> }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 60_000,
  ) {}

  /** The global policy, or a domain's effective one (global ← domain override). */
  get(domainId?: string | null): Promise<Policy> {
    const key = domainId ?? '';
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = getEffectivePolicy(this.db, domainId ?? null);
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.delete(key)); // never cache a failure
    return value;
  }

  invalidate(): void {
    this.entries.clear();
  }
}
