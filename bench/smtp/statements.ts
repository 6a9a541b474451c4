// bench/smtp/statements.ts: the SQL statements (each one round trip) the daemon sends per accepted
// message, read from pg_stat_statements. One plain session sends --messages messages (MAIL, RCPT,
// DATA) to one local mailbox; the counters are reset after a warm-up, and every statement of the
// bench database counted while the messages go in is printed with its calls per message
// (BEGIN, COMMIT and SAVEPOINT included: pg_stat_statements.track_utility is on by default; the
// foreign key checks the server runs inside a statement are not round trips and are left out).
// Statements that ran fewer than one time in ten messages are the daemon's periodic work, counted apart.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres npx tsx bench/smtp/statements.ts [--messages 200]
//
// DATABASE_URL's server must load the module (shared_preload_libraries = pg_stat_statements,
// pg_stat_statements.track = all) and have run CREATE EXTENSION pg_stat_statements in its
// postgres database.
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { RawSmtp } from '@/mail-daemon/testing/smtp';
import { spawnDaemon } from '@/mail-daemon/testing/daemon';
import { arg, benchDatabase } from '../database';
import { statementCounter } from '../statements';

const MESSAGES = arg('messages', 200);

async function send(port: number, count: number): Promise<void> {
  const { client } = await RawSmtp.connect(port);
  const expect = async (line: string, code: number) => {
    const r = await client.cmd(line);
    if (r.code !== code) throw new Error(`${line.slice(0, 40)} → ${r.code} ${r.text}`);
  };
  await expect('EHLO bench.client', 250);
  for (let n = 0; n < count; n++) {
    await expect('MAIL FROM:<bench@sender.test>', 250);
    await expect('RCPT TO:<bench@bench.test>', 250);
    await expect('DATA', 354);
    await expect(`From: bench@sender.test\r\nTo: bench@bench.test\r\nSubject: statements ${n}\r\nMessage-ID: <${n}.${Date.now()}@sender.test>\r\n\r\nbody\r\n.`, 250);
  }
  await client.cmd('QUIT').catch(() => {});
  client.close();
}

async function main() {
  const { url, tmp, drop } = await benchDatabase('statements');
  let daemon: Awaited<ReturnType<typeof spawnDaemon>> | null = null;
  const stats = await statementCounter(url);
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    await createMailbox(db, SYSTEM, { address: 'bench@bench.test', password: 'Correct-Horse-Battery-9', quota: 0 });
    await db.$disconnect();
    daemon = await spawnDaemon(url, tmp);
    await send(daemon.ports.mx, 20); // warm-up: first-delivery folders, prepared plans, pool
    await stats.reset();
    await send(daemon.ports.mx, MESSAGES);
    const rows = await stats.read();
    let perMessage = 0;
    let periodic = 0;
    console.log(`${MESSAGES} messages, one plain session; calls per message, then the statement:`);
    for (const row of rows) {
      const calls = row.calls / MESSAGES;
      if (calls >= 0.1) perMessage += calls;
      else periodic += calls;
      console.log(`${calls.toFixed(2).padStart(6)}  ${row.query}`);
    }
    console.log(`statements per message: ${perMessage.toFixed(2)} (and ${periodic.toFixed(2)} of periodic work)`);
  } finally {
    await stats.end();
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
