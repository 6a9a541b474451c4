// A real IMAP server for tests: its own migrated database, the Postgres store,
// a self-signed certificate from the TLS provider, lib/auth passwords. Nothing mocked.
import pg from 'pg';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword } from '@/lib/auth/password';
import { NotifyBus } from '@/lib/db/notify';
import { createLogger } from '@/lib/log';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createPgMailStore } from '@/mail-daemon/store';
import { deliver } from '@/mail-daemon/store/deliver';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { TlsProvider } from '@/lib/certificates/tls-provider';
import type { MailStore } from '@/mail-daemon/imap/backend';
import { ImapServer, type ImapLimits, type ImapServerOptions } from '@/mail-daemon/imap/server';

export interface ImapHarness {
  db: TestDatabase;
  pool: pg.Pool;
  store: MailStore;
  server: ImapServer;
  /** IMAPS port (implicit TLS). */
  port: number;
  /** Cleartext port with STARTTLS, when asked for. */
  plainPort?: number;
  /** The served (self-signed) certificate, for clients that verify. */
  certPem: string;
  addUser(address: string, password: string, options?: { quotaBytes?: number }): Promise<string>;
  deliver(mailboxId: string, raw: Buffer, internalDate?: Date): Promise<void>;
  /** A second server on the same database (another daemon process, as far as IMAP can tell). */
  secondServer(): Promise<{ port: number; close(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startImapHarness(
  options: { limits?: Partial<ImapLimits>; cleartext?: boolean; allowCleartextAuth?: boolean; appendLimit?: number; onLogin?: ImapServerOptions['onLogin']; proxy?: ImapServerOptions['proxy'] } = {},
): Promise<ImapHarness> {
  const db = await createTestDatabase();
  const pool = db.pool(10);
  const log = createLogger('imap-test', process.env.IMAP_TEST_LOG ?? 'silent');
  const buses: NotifyBus[] = [];
  const servers: ImapServer[] = [];
  const tls = await TlsProvider.open({ pool, masterKey: 'test-master-key-0123456789', hostname: 'localhost', readMinVersion: async () => 'TLSv1.2', log });

  async function makeServer(): Promise<{ server: ImapServer; store: MailStore }> {
    const bus = new NotifyBus(db.url);
    await bus.start();
    buses.push(bus);
    const store = createPgMailStore({ pool, bus, limits: options.appendLimit ? { appendLimit: options.appendLimit } : undefined });
    const server = new ImapServer({
      store,
      log,
      tls: { serverOptions: () => tls.serverOptions('imap'), secureContext: () => tls.secureContext(undefined, 'imap') },
      async verify(user, password, ip) {
        const res = await verifyMailboxLogin(db.prisma, { address: user, password, ip, service: 'imap' });
        return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address, appPasswordId: res.appPasswordId } : res;
      },
      allowCleartextAuth: async () => options.allowCleartextAuth ?? false,
      limits: options.limits,
      onLogin: options.onLogin,
      proxy: options.proxy,
    });
    servers.push(server);
    return { server, store };
  }

  const { server, store } = await makeServer();
  const port = await server.listen(0, '127.0.0.1', true);
  const plainPort = options.cleartext ? await server.listen(0, '127.0.0.1', false) : undefined;

  return {
    db,
    pool,
    store,
    server,
    port,
    plainPort,
    certPem: String(tls.pick(undefined, 'imap').options.cert),
    async addUser(address, password, opts = {}) {
      const { mailboxId } = await createTestMailbox(pool, address, opts);
      await pool.query('UPDATE mailboxes SET password_hash = $1 WHERE id = $2', [await hashPassword(password), mailboxId]);
      return mailboxId;
    },
    async deliver(mailboxId, raw, internalDate) {
      await deliver(pool, { raw, recipients: [{ mailboxId }], internalDate });
    },
    async secondServer() {
      const second = await makeServer();
      const p = await second.server.listen(0, '127.0.0.1', true);
      return { port: p, close: () => second.server.close() };
    },
    async close() {
      for (const s of servers) await s.close();
      for (const b of buses) await b.close();
      await pool.end();
      await db.drop();
    },
  };
}
