// The POP3 part of the daemon: POP3S on POSTERN_POP3S_PORT (implicit TLS, RFC 8314) and, when
// POSTERN_POP3_PORT is set, cleartext POP3 with STLS (RFC 2595). As for IMAP: passwords, app
// passwords and brute-force throttling are lib/auth's, the certificate is the TLS provider's
// (IMAP's: both serve mail clients at POSTERN_HOSTNAME), mail is the Postgres store's.
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { CHANNELS } from '@/lib/db/channels';
import { countLogin } from '@/lib/metrics/count-login';
import { DAEMON_METRICS, processMetrics } from '@/lib/metrics/process-metrics';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';
import { proxyProtocolFromEnv } from '../net/proxy-protocol';
import { Pop3Server } from '../pop3/server';
import { createPgMailStore, createPop3Store } from '../store';
import { changedCredential } from './credentials';

export function createPop3Service(): DaemonService {
  let server: Pop3Server | null = null;
  return {
    name: 'pop3',
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'pop3' });
      const provider = ctx.tls;
      const mail = createPgMailStore({ pool: ctx.pool, onError: (err) => log.warn({ err: err.message }, 'mail store background work failed') });
      server = new Pop3Server({
        store: createPop3Store(mail),
        log,
        proxy: proxyProtocolFromEnv(ctx.env),
        tls: { serverOptions: () => provider.serverOptions('imap'), secureContext: () => provider.secureContext(undefined, 'imap') },
        // As IMAP's: the policy read with the mailbox, the TLS recorded with the throttle bookkeeping.
        async verify(user, password, ip, tls) {
          const res = await verifyMailboxLogin(ctx.db, { address: user, password, ip, service: 'pop3', clientTls: tls });
          countLogin('pop3', res);
          return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address, appPasswordId: res.appPasswordId } : res;
        },
      });
      // A password changed or an app password revoked (directory channel, `credentials`): the
      // sessions that logged in with it end here, in every daemon, as IMAP's do.
      await ctx.bus.listen(CHANNELS.directory, (payload) => {
        const changed = changedCredential(payload);
        if (!changed) return;
        const ended = server?.endSessions(changed.mailboxId, changed.appPasswordId) ?? 0;
        if (ended) log.info({ mailboxId: changed.mailboxId, ended }, 'pop3 sessions ended: credentials changed');
      });
      const host = ctx.env.POSTERN_LISTEN_HOST;
      const listeners: ListenerInfo[] = [{ name: 'pop3s', port: await server.listen(ctx.env.POSTERN_POP3S_PORT, host, true), tls: 'implicit' }];
      if (ctx.env.POSTERN_POP3_PORT) listeners.push({ name: 'pop3', port: await server.listen(ctx.env.POSTERN_POP3_PORT, host, false), tls: 'starttls' });
      const listening = server;
      processMetrics.gauge(DAEMON_METRICS.pop3Connections, () => listening.connectionCount);
      log.info({ listeners }, 'POP3 listening');
      return listeners;
    },
    async stop() {
      await server?.close();
      server = null;
    },
  };
}
