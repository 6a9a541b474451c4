import { unseal } from '@/lib/crypto/seal';
import { CHANNELS } from '@/lib/db/channels';
import { resolveRecipient } from '@/lib/directory';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';
import { createPgQueue } from '../outbound/pg-queue';
import { createResolver, parseDnsServers } from '@/lib/dns/resolver';
import { QueueRunner } from '../outbound/runner';
import { createTransport } from '../outbound/transport';
import type { Transport } from '../outbound/types';

/**
 * The queue runner: delivers what SMTP accepted for remote recipients. Certificates are
 * checked against the system's trust store (tests add their CA with NODE_EXTRA_CA_CERTS).
 */
export function outboundService(): DaemonService {
  let runner: QueueRunner | undefined;
  let transport: Transport | undefined;
  return {
    name: 'outbound',
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'outbound' });
      const resolver = createResolver({ servers: parseDnsServers(ctx.env.POSTERN_DNS_SERVERS) });
      transport = createTransport({
        resolver,
        port: ctx.env.POSTERN_OUTBOUND_PORT,
        heloName: ctx.env.POSTERN_HOSTNAME,
        log,
      });
      runner = new QueueRunner({
        queue: createPgQueue(ctx.pool),
        transport,
        owner: ctx.instanceId,
        hostname: ctx.env.POSTERN_HOSTNAME,
        policy: () => ctx.policy.get(),
        unseal: (sealed) => unseal(sealed, ctx.secrets.masterKey).toString('utf8'),
        leaseSeconds: ctx.env.POSTERN_OUTBOUND_LEASE_SECONDS,
        // A notice goes where mail for its recipient would: a local sender's INBOX, else the queue.
        routeNotice: async (sender) => {
          const r = await resolveRecipient(ctx.db, sender, async (domainId) => (await ctx.policy.get(domainId)).recipientDelimiter);
          if (r.status === 'not_local') return { mailboxIds: [], remote: [sender] };
          if (r.status !== 'ok') return null;
          return { mailboxIds: r.mailboxes.map((m) => m.id), remote: r.remote };
        },
        log,
      });
      await ctx.bus.listen(CHANNELS.outbound, () => runner?.wake());
      runner.wake();
      return [];
    },
    async stop(): Promise<void> {
      await runner?.stop();
      await transport?.close();
    },
  };
}
