import { CHANNELS } from '@/lib/db/channels';
import type { NotifyBus } from '@/lib/db/notify';
import type { Db } from '@/lib/db/prisma';
import { dkimSigningKeys, type DkimSigningKey } from '@/lib/dkim';
import type { Logger } from '@/lib/log';

interface Keys {
  byDomain: Map<string, DkimSigningKey>;
  byDomainId: Map<string, DkimSigningKey>;
}

/**
 * Every domain's active signing key, read once and kept until a NOTIFY on CHANNELS.dkim says a
 * key changed (the panel and the CLI announce every generate, activate and retire). The TTL
 * bounds staleness should a notification ever be missed.
 */
export class DkimKeyCache {
  private loaded: { at: number; keys: Promise<Keys> } | null = null;

  constructor(
    private readonly load: () => Promise<DkimSigningKey[]>,
    private readonly ttlMs = 60_000,
  ) {}

  /** The active key of a domain by its ASCII name. */
  async forDomain(name: string): Promise<DkimSigningKey | undefined> {
    return (await this.keys()).byDomain.get(name.toLowerCase());
  }

  async forDomainId(id: string): Promise<DkimSigningKey | undefined> {
    return (await this.keys()).byDomainId.get(id);
  }

  invalidate(): void {
    this.loaded = null;
  }

  private keys(): Promise<Keys> {
    if (this.loaded && Date.now() - this.loaded.at < this.ttlMs) return this.loaded.keys;
    const keys = this.load().then((list) => ({
      byDomain: new Map(list.map((k) => [k.domain, k])),
      byDomainId: new Map(list.map((k) => [k.domainId, k])),
    }));
    const entry = { at: Date.now(), keys };
    this.loaded = entry;
    keys.catch(() => {
      if (this.loaded === entry) this.loaded = null; // never cache a failure
    });
    return keys;
  }
}

/** The daemon's signing keys, reloaded on CHANNELS.dkim (and after the bus reconnects). */
export async function openDkimKeys(db: Db, bus: NotifyBus, log: Logger): Promise<DkimKeyCache> {
  const cache = new DkimKeyCache(() => dkimSigningKeys(db));
  await bus.listen(CHANNELS.dkim, (payload) => {
    log.info({ payload }, 'dkim keys changed');
    cache.invalidate();
  });
  return cache;
}
