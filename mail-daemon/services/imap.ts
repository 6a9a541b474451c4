// The IMAP part of the daemon: IMAPS on POSTERN_IMAPS_PORT (implicit TLS, RFC 8314)
// and, when POSTERN_IMAP_PORT is set, cleartext IMAP with STARTTLS. Passwords and
// brute-force throttling are lib/auth's (shared with SMTP); the certificate is the
// TLS provider's (certificates table); mail is the Postgres store's.
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { CHANNELS } from '@/lib/db/channels';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';
import { proxyProtocolFromEnv } from '../net/proxy-protocol';
import { createPgMailStore } from '../store';
import { changedCredential } from './credentials';
import { ImapServer } from '../imap/server';
import { countLogin } from '@/lib/metrics/count-login';
import { DAEMON_METRICS, processMetrics } from '@/lib/metrics/process-metrics';

export function createImapService(): DaemonService {
  let server: ImapServer | null = null;
  return {
    name: 'imap',
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'imap' });
      const provider = ctx.tls;
      // APPENDLIMIT (RFC 7889) follows the policy's largest message, like SMTP's SIZE: the
      // store reads it through this getter on every APPEND and CAPABILITY, and a policy
      // change moves it for the next command.
      let appendLimit = (await ctx.policy.get()).maxMessageBytes;
      ctx.policy.onChange(() => {
        ctx.policy
          .get()
          .then((p) => {
            appendLimit = p.maxMessageBytes;
          })
          .catch((err) => log.warn({ err: (err as Error).message }, 'policy reload for APPENDLIMIT failed'));
      });
      const store = createPgMailStore({
        pool: ctx.pool,
        bus: ctx.bus,
        limits: {
          get appendLimit() {
            return appendLimit;
          },
        },
        onError: (err) => log.warn({ err: err.message }, 'mail store background work failed'),
      });
      const proxy = proxyProtocolFromEnv(ctx.env);
      if (proxy && !ctx.env.POSTERN_TRUSTED_PROXIES.trim()) log.warn('POSTERN_PROXY_PROTOCOL is on but POSTERN_TRUSTED_PROXIES is empty: every connection will be dropped');
      server = new ImapServer({
        store,
        log,
        proxy,
        serverName: ctx.env.POSTERN_HOSTNAME,
        tls: { serverOptions: () => provider.serverOptions('imap'), secureContext: () => provider.secureContext(undefined, 'imap') },
        // The login reads the policy with the mailbox (one statement), and a success records its
        // TLS (the TLS statistics, the owner's recent logins) in its throttle bookkeeping's statement.
        async verify(user, password, ip, tls) {
          const res = await verifyMailboxLogin(ctx.db, { address: user, password, ip, service: 'imap', clientTls: tls ?? { version: null, cipher: null } });
          countLogin('imap', res);
          return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address, appPasswordId: res.appPasswordId } : res;
        },
        async allowCleartextAuth() {
          return (await ctx.policy.get()).allowCleartextAuth;
        },
      });
      // A password changed or an app password revoked (directory channel, `credentials`): the
      // sessions that logged in with it end here, in every daemon.
      await ctx.bus.listen(CHANNELS.directory, (payload) => {
        const changed = changedCredential(payload);
        if (!changed) return;
        const ended = server?.endSessions(changed.mailboxId, changed.appPasswordId) ?? 0;
        if (ended) log.info({ mailboxId: changed.mailboxId, ended }, 'imap sessions ended: credentials changed');
      });
      const host = ctx.env.POSTERN_LISTEN_HOST;
      const listeners: ListenerInfo[] = [];
      const imaps = await server.listen(ctx.env.POSTERN_IMAPS_PORT, host, true);
      listeners.push({ name: 'imaps', port: imaps, tls: 'implicit' });
      if (ctx.env.POSTERN_IMAP_PORT) {
        const imap = await server.listen(ctx.env.POSTERN_IMAP_PORT, host, false);
        listeners.push({ name: 'imap', port: imap, tls: 'starttls' });
      }
      const listening = server;
      processMetrics.gauge(DAEMON_METRICS.imapConnections, () => listening.connectionCount);
      log.info({ listeners }, 'IMAP listening');
      return listeners;
    },
    async stop() {
      await server?.close();
      server = null;
    },
  };
}
