// A real POP3 server for tests, beside a real IMAP server on the same migrated database and
// store (startImapHarness): the Postgres maildrop, the TLS provider's self-signed certificate,
// lib/auth passwords with service 'pop3'. Nothing mocked.
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { TlsProvider } from '@/lib/certificates/tls-provider';
import { createLogger } from '@/lib/log';
import { Pop3Server, type Pop3ListenerLimits, type Pop3ServerOptions } from '@/mail-daemon/pop3/server';
import { createPgMailStore, createPop3Store, type PgPop3Store } from '@/mail-daemon/store';
import { startImapHarness, type ImapHarness } from './imap-harness';

export interface Pop3Harness {
  imap: ImapHarness;
  store: PgPop3Store;
  server: Pop3Server;
  /** POP3S port (implicit TLS). */
  port: number;
  /** Cleartext port with STLS, when asked for. */
  plainPort?: number;
  /** A second POP3 server on the same database: another daemon process, as far as POP3 can tell (with other limits, if given). */
  secondServer(limits?: Partial<Pop3ListenerLimits>): Promise<{ port: number; store: PgPop3Store; close(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startPop3Harness(
  options: { cleartext?: boolean; limits?: Partial<Pop3ListenerLimits>; onLogin?: Pop3ServerOptions['onLogin']; proxy?: Pop3ServerOptions['proxy'] } = {},
): Promise<Pop3Harness> {
  const imap = await startImapHarness();
  const log = createLogger('pop3-test', process.env.POP3_TEST_LOG ?? 'silent');
  const tls = await TlsProvider.open({ pool: imap.pool, masterKey: 'test-master-key-0123456789', hostname: 'localhost', readMinVersion: async () => 'TLSv1.2', log });
  const servers: Pop3Server[] = [];

  function makeServer(limits = options.limits): { server: Pop3Server; store: PgPop3Store } {
    const store = createPop3Store(createPgMailStore({ pool: imap.pool }));
    const server = new Pop3Server({
      store,
      log,
      tls: { serverOptions: () => tls.serverOptions('imap'), secureContext: () => tls.secureContext(undefined, 'imap') },
      async verify(user, password, ip) {
        const res = await verifyMailboxLogin(imap.db.prisma, { address: user, password, ip, service: 'pop3' });
        return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address, appPasswordId: res.appPasswordId } : res;
      },
      onLogin: options.onLogin,
      limits,
      proxy: options.proxy,
    });
    servers.push(server);
    return { server, store };
  }

  const { server, store } = makeServer();
  const port = await server.listen(0, '127.0.0.1', true);
  const plainPort = options.cleartext ? await server.listen(0, '127.0.0.1', false) : undefined;
  return {
    imap,
    store,
    server,
    port,
    plainPort,
    async secondServer(limits) {
      const second = makeServer(limits ?? options.limits);
      return { port: await second.server.listen(0, '127.0.0.1', true), store: second.store, close: () => second.server.close() };
    },
    async close() {
      for (const s of servers) await s.close();
      await imap.close();
    },
  };
}
