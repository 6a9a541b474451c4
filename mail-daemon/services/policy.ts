import { CHANNELS } from '@/lib/db/channels';
import type { NotifyBus } from '@/lib/db/notify';
import type { Db } from '@/lib/db/prisma';
import type { Logger } from '@/lib/log';
import { PolicyCache, type PolicyCacheOptions } from './policy-cache';

export { PolicyCache } from './policy-cache';

/**
 * The daemon's one view of policy (`ctx.policy`): one cache, and the one LISTEN on
 * CHANNELS.policy that invalidates it. The panel and the CLI NOTIFY after every
 * change; the bus re-emits after a reconnect, when anything may have changed.
 */
export async function openDaemonPolicy(db: Db, bus: NotifyBus, log: Logger, options: Pick<PolicyCacheOptions, 'ttlMs'> = {}): Promise<PolicyCache> {
  const policy = new PolicyCache(db, {
    ...options,
    onListenerError: (err) => log.error({ err: err.message }, 'policy change listener failed'),
  });
  await bus.listen(CHANNELS.policy, (payload) => {
    log.info({ payload }, 'policy changed');
    policy.invalidate();
  });
  return policy;
}
