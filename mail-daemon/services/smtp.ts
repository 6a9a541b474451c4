import { createHmac } from 'node:crypto';
import { CHANNELS } from '@/lib/db/channels';
import { createResolver, parseDnsServers, type DnsResolver } from '@/lib/dns/resolver';
import { ArrivalFilter } from '../authentication/filter';
import { createRspamdClient } from '../rspamd/client';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';
import { PostgresSmtpBackend } from '../delivery/backend';
import type { ListenerKind } from '../smtp/backend';
import { PosternSmtpServer, type ListenerConfig } from '../smtp/server';
import { proxyProtocolFromEnv } from '../net/proxy-protocol';
import { ReverseDns } from '../net/reverse-dns';
import { createSrs, type Srs } from '../outbound/srs';
import { openDkimKeys } from '../dkim/key-cache';
import { DkimSigning } from '../dkim/signing';
import { changedCredential } from './credentials';

/** Limits and timeouts of the listeners (defaults: SMTP_LIMIT_DEFAULTS in smtp/server.ts); `filter` replaces the checks on arrival. */
export type SmtpServiceOptions = Partial<Omit<ListenerConfig, 'kind' | 'hostname' | 'backend' | 'tls' | 'log'>>;

/** The MX, submission and submissions listeners: one server class, three option sets. */
export function smtpService(options: SmtpServiceOptions = {}): DaemonService {
  const servers: PosternSmtpServer[] = [];
  return {
    name: 'smtp',
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'smtp' });
      // Sessions snapshot ctx.policy when they connect: a change applies from the next connection on.
      // DKIM: the signer asks the backend whether a user may send as the header From (ownsAddress).
      const dkim = new DkimSigning(await openDkimKeys(ctx.db, ctx.bus, log), (user, address) => backend.ownsAddress(user, address), log.child({ part: 'dkim' }));
      const backend: PostgresSmtpBackend = new PostgresSmtpBackend(ctx.db, ctx.pool, ctx.policy, forwardingSrs(ctx), dkim);
      const tls = ctx.tls;
      // One resolver (POSTERN_DNS_SERVERS) for the checks on arrival and the clients' reverse names;
      // one cache of reverse names for the three listeners of this process.
      const resolver = createResolver({ servers: parseDnsServers(ctx.env.POSTERN_DNS_SERVERS) });
      const filter = options.filter !== undefined ? options.filter : arrivalFilter(ctx, log, resolver);
      const reverseDns = options.reverseDns !== undefined ? options.reverseDns : new ReverseDns(resolver);
      const ports: Record<ListenerKind, number> = {
        mx: ctx.env.POSTERN_SMTP_PORT,
        submission: ctx.env.POSTERN_SUBMISSION_PORT,
        submissions: ctx.env.POSTERN_SUBMISSIONS_PORT,
      };
      const infos: ListenerInfo[] = [];
      // Behind a TCP load balancer: the client's address comes in its PROXY v2 header.
      const proxy = proxyProtocolFromEnv(ctx.env);
      if (proxy && !ctx.env.POSTERN_TRUSTED_PROXIES.trim()) log.warn('POSTERN_PROXY_PROTOCOL is on but POSTERN_TRUSTED_PROXIES is empty: every connection will be dropped');
      for (const kind of ['mx', 'submission', 'submissions'] as const) {
        const config: ListenerConfig = { kind, hostname: ctx.env.POSTERN_HOSTNAME, backend, tls, log, proxy, ...options, filter, reverseDns };
        const server = new PosternSmtpServer(config);
        await new Promise<void>((resolve, reject) => {
          server.server.once('error', reject);
          server.listen(ports[kind], ctx.env.POSTERN_LISTEN_HOST, () => {
            server.server.off('error', reject);
            resolve();
          });
        });
        servers.push(server);
        const address = server.server.address();
        const port = typeof address === 'object' && address ? address.port : ports[kind];
        infos.push({ name: kind === 'mx' ? 'smtp' : kind, port, tls: kind === 'submissions' ? 'implicit' : 'starttls' });
      }
      // A password changed or an app password revoked (directory channel, `credentials`): the
      // authenticated sessions that used it end on every listener, in every daemon.
      await ctx.bus.listen(CHANNELS.directory, (payload) => {
        const changed = changedCredential(payload);
        if (!changed) return;
        const ended = servers.reduce((n, s) => n + s.endSessions(changed.mailboxId, changed.appPasswordId), 0);
        if (ended) log.info({ mailboxId: changed.mailboxId, ended }, 'smtp sessions ended: credentials changed');
      });
      log.info({ listeners: infos }, 'smtp listening');
      return infos;
    },
    async stop(): Promise<void> {
      await Promise.all(servers.splice(0).map((s) => s.shutdown()));
    },
  };
}

/** The checks on arrival at the MX port, over the one resolver (POSTERN_DNS_SERVERS), and rspamd when POSTERN_RSPAMD_URL is set. */
function arrivalFilter(ctx: DaemonContext, log: DaemonContext['log'], resolver: DnsResolver): ArrivalFilter {
  return new ArrivalFilter({
    pool: ctx.pool,
    resolver,
    hostname: ctx.env.POSTERN_HOSTNAME,
    policy: (domainId) => ctx.policy.get(domainId),
    rspamd: ctx.env.POSTERN_RSPAMD_URL ? createRspamdClient(ctx.env.POSTERN_RSPAMD_URL, { password: ctx.env.POSTERN_RSPAMD_PASSWORD }) : null,
    log: log.child({ part: 'arrival' }),
  });
}

/**
 * SRS addresses live at POSTERN_HOSTNAME (the MX host name every peer can reach us by);
 * the key is derived from the master key, so every daemon writes and checks the same hashes.
 */
export function forwardingSrs(ctx: DaemonContext): Srs {
  const secret = createHmac('sha256', ctx.secrets.masterKey).update('postern srs').digest('base64');
  return createSrs({ secret, domain: ctx.env.POSTERN_HOSTNAME });
}
