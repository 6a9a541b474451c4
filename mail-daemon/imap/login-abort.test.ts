// A client that hangs up while its LOGIN is being checked (the password hash takes its time,
// and clients in a connection storm time out and leave) must leave nothing behind: not its
// count in the per-user connection limit, not a session the store's listeners keep alive.
// The real listener, store and password check; the check waits on a gate the test opens
// once the session is closed, so the order is certain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword } from '@/lib/auth/password';
import { TlsProvider } from '@/lib/certificates/tls-provider';
import { NotifyBus } from '@/lib/db/notify';
import { createLogger } from '@/lib/log';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { createPgMailStore } from '../store';
import { ImapServer } from './server';

const USER = 'abort@login.test';
const PASSWORD = 'Abort-Password-123';

let db: TestDatabase;
let bus: NotifyBus;
let server: ImapServer;
let port: number;
let pool: ReturnType<TestDatabase['pool']>;
/** While set, password checks wait for it. */
let gate: Promise<void> | null = null;
let entered: () => void = () => {};
let checked: () => void = () => {};

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool(5);
  const { mailboxId } = await createTestMailbox(pool, USER);
  await pool.query('UPDATE mailboxes SET password_hash = $1 WHERE id = $2', [await hashPassword(PASSWORD), mailboxId]);
  bus = new NotifyBus(db.url);
  await bus.start();
  const log = createLogger('imap-test', 'silent');
  const tls = await TlsProvider.open({ pool, masterKey: 'test-master-key-0123456789', hostname: 'localhost', readMinVersion: async () => 'TLSv1.2', log });
  server = new ImapServer({
    store: createPgMailStore({ pool, bus }),
    log,
    tls: { serverOptions: () => tls.serverOptions('imap'), secureContext: () => tls.secureContext(undefined, 'imap') },
    async verify(user, password, ip) {
      entered();
      await gate;
      const res = await verifyMailboxLogin(db.prisma, { address: user, password, ip, service: 'imap' });
      return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address } : res;
    },
    allowCleartextAuth: async () => false,
    // Called after the password check, just before the per-user count: the abandoned login got this far.
    onLogin: () => checked(),
    limits: { maxConnectionsPerUser: 1 },
  });
  port = await server.listen(0, '127.0.0.1', true);
});

afterAll(async () => {
  await server?.close();
  await bus?.close();
  await pool?.end();
  await db?.drop();
});

describe('IMAP LOGIN abandoned by the client', () => {
  it('gives its per-user connection back: the next LOGIN of that user under a limit of 1 is OK, three times over', async () => {
    for (let round = 0; round < 3; round++) {
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      const waiting = new Promise<void>((resolve) => (entered = resolve));
      const verified = new Promise<void>((resolve) => (checked = resolve));
      const c = await WireClient.connect(port, { tls: true });
      await c.line();
      c.write(`A LOGIN ${USER} ${PASSWORD}\r\n`);
      // The session holds the LOGIN (its password check waits at the gate) when the client leaves.
      await waiting;
      c.close();
      await expect.poll(() => server.connectionCount).toBe(0);
      gate = null;
      open();
      await verified;
    }
    const after = await WireClient.connect(port, { tls: true });
    await after.line();
    expect((await after.command(`B LOGIN ${USER} ${PASSWORD}`)).at(-1)).toMatch(/^B OK /);
    expect((await after.command('C SELECT INBOX')).at(-1)).toMatch(/^C OK /);
    after.close();
  });
});
