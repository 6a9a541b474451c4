// The IMAP server alone (same code the daemon runs) in its own process, for measuring
// memory per connection precisely: on each "gc" line from stdin it collects garbage and
// prints process.memoryUsage() as JSON. Run with: node --expose-gc --import tsx bench/imap/idle-server.ts
// Env: DATABASE_URL, PORT, MASTER_KEY (the key the certificate was sealed with).
import readline from 'node:readline';
import pg from 'pg';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { NotifyBus } from '@/lib/db/notify';
import { createPrisma } from '@/lib/db/prisma';
import { createLogger } from '@/lib/log';
import { ImapServer } from '@/mail-daemon/imap/server';
import { createPgMailStore } from '@/mail-daemon/store';
import { TlsProvider } from '@/lib/certificates/tls-provider';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL!;
  const log = createLogger('imap-idle-bench', 'warn');
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const db = createPrisma(url);
  const bus = new NotifyBus(url);
  await bus.start();
  const tls = await TlsProvider.open({ pool, masterKey: process.env.MASTER_KEY!, hostname: 'localhost', readMinVersion: async () => 'TLSv1.2', log });
  const server = new ImapServer({
    store: createPgMailStore({ pool, bus }),
    log,
    tls: { serverOptions: () => tls.serverOptions('imap') },
    async verify(user, password, ip) {
      const res = await verifyMailboxLogin(db, { address: user, password, ip, service: 'imap' });
      return res.ok ? { ok: true, mailboxId: res.mailbox.id, address: res.mailbox.address } : res;
    },
    allowCleartextAuth: async () => false,
  });
  await server.listen(Number(process.env.PORT), '127.0.0.1', true);
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log('ready');
  readline.createInterface({ input: process.stdin }).on('line', () => {
    gc?.();
    gc?.();
    console.log(JSON.stringify({ ...process.memoryUsage(), connections: server.connectionCount }));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
