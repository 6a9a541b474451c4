// Client-side TLS of IMAP logins through the real IMAP server: implicit TLS and
// STARTTLS logins are recorded per mailbox with the negotiated version and cipher.
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword } from '@/lib/auth/password';
import { NotifyBus } from '@/lib/db/notify';
import { createLogger } from '@/lib/log';
import { ImapServer } from '@/mail-daemon/imap/server';
import { createPgMailStore } from '@/mail-daemon/store';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { TlsProvider } from '@/mail-daemon/tls';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { clientTls, defaultRange, recordClientTls } from '@/lib/tls-stats';

let db: TestDatabase;
let pool: pg.Pool;
let bus: NotifyBus;
let server: ImapServer;
let ports: { imaps: number; imap: number };
const recorded: Promise<void>[] = [];
const PASSWORD = 'Correct-Horse-Battery-9';

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const log = createLogger('tls-stats-imap-test', 'silent');
  const tls = await TlsProvider.open({ pool, masterKey: 'test-master-key-0123456789', hostname: 'localhost', readMinVersion: async () => 'TLSv1.2', log });
  bus = new NotifyBus(db.url);
  await bus.start();
  server = new ImapServer({
    store: createPgMailStore({ pool, bus }),
    log,
    tls: { serverOptions: () => tls.serverOptions('imap') },
    async verify(user, password, ip) {
      const res = await verifyMailboxLogin(db.prisma, { address: user, password, ip, service: 'imap' });
      return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address } : res;
    },
    allowCleartextAuth: async () => false,
    onLogin: ({ mailboxId, ip, tls: t }) =>
      void recorded.push(recordClientTls(pool, { mailboxId, service: 'imap', tlsVersion: t?.version ?? null, cipher: t?.cipher ?? null, clientIp: ip })),
  });
  ports = { imaps: await server.listen(0, '127.0.0.1', true), imap: await server.listen(0, '127.0.0.1', false) };
  const { mailboxId } = await createTestMailbox(pool, 'erin@example.test');
  await pool.query('UPDATE mailboxes SET password_hash = $1 WHERE id = $2', [await hashPassword(PASSWORD), mailboxId]);
});

afterAll(async () => {
  await server?.close();
  await bus?.close();
  await pool?.end();
  await db?.drop();
});

describe('IMAP logins record their TLS', () => {
  it('implicit TLS and STARTTLS logins appear with version and cipher', async () => {
    for (const [port, secure] of [
      [ports.imaps, true],
      [ports.imap, false],
    ] as const) {
      const c = new ImapFlow({ host: '127.0.0.1', port, secure, doSTARTTLS: secure ? undefined : true, tls: { rejectUnauthorized: false }, auth: { user: 'erin@example.test', pass: PASSWORD }, logger: false });
      await c.connect();
      await c.logout();
    }
    await Promise.all(recorded);
    const rows = await clientTls(pool, { since: defaultRange(1).from, scopeDomainIds: null });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ address: 'erin@example.test', service: 'imap', clientIp: '127.0.0.1', logins: 2 });
    expect(rows[0].tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(rows[0].cipher).toMatch(/^TLS_|^ECDHE/);
  });
});
