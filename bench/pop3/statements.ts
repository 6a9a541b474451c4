// bench/pop3/statements.ts: the SQL statements (each one round trip) the daemon sends per POP3
// command of a client's session over POP3S — USER, PASS (the login and the maildrop: its lock and
// listing), STAT, UIDL, RETR 1, QUIT — read from pg_stat_statements as bench/imap/statements.ts
// does: counters reset before each command, read after its answer and a short settle, the median
// of --rounds sessions printed per command (BEGIN and COMMIT count).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres npx tsx bench/pop3/statements.ts [--rounds 9] [--messages 10] [--verbose 1]
//
// DATABASE_URL's server must load pg_stat_statements (see bench/README.md).
import { setTimeout as delay } from 'node:timers/promises';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { spawnDaemon } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';
import { arg, benchDatabase } from '../database';
import { CommandMedians, statementCounter } from '../statements';

const ROUNDS = arg('rounds', 9);
const MESSAGES = arg('messages', 10);
const VERBOSE = arg('verbose', 0) > 0;
const USER = 'bench@bench.test';
const PASSWORD = 'Correct-Horse-Battery-9';
const SETTLE_MS = 100;

const SESSION: [string, string, boolean][] = [
  // name, line, multi-line answer
  ['USER', `USER ${USER}`, false],
  ['PASS', `PASS ${PASSWORD}`, false],
  ['STAT', 'STAT', false],
  ['UIDL', 'UIDL', true],
  ['RETR 1', 'RETR 1', true],
  ['QUIT', 'QUIT', false],
];

async function main() {
  const { url, tmp, drop } = await benchDatabase('pop3_statements');
  let daemon: Awaited<ReturnType<typeof spawnDaemon>> | null = null;
  const stats = await statementCounter(url);
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    await createMailbox(db, SYSTEM, { address: USER, password: PASSWORD, quota: '1G' });
    await db.$disconnect();
    daemon = await spawnDaemon(url, tmp);
    // Fill INBOX over IMAP (this also makes the default folders and warms the daemon).
    const seed = await WireClient.connect(daemon.ports.imaps, { tls: true });
    await seed.line(60_000);
    await seed.command(`L LOGIN ${USER} ${PASSWORD}`, 60_000);
    for (let n = 0; n < MESSAGES; n++) {
      const m = `From: a@sender.test\r\nTo: ${USER}\r\nSubject: pop3 ${n}\r\n\r\nbody ${n}\r\n`;
      seed.write(`A${n} APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}\r\n`);
      await seed.until(`A${n}`, 60_000);
    }
    await seed.command('Z LOGOUT');
    seed.close();

    const seen = new CommandMedians(SESSION.map(([name]) => name));
    for (let round = 0; round < ROUNDS; round++) {
      const c = await Pop3Wire.connect(daemon.ports.pop3s, { tls: true });
      await c.line(60_000);
      for (const [name, line, multi] of SESSION) {
        await stats.reset();
        const res = await c.command(line);
        if (!res.startsWith('+OK')) throw new Error(`${name} → ${res}`);
        if (multi) await c.multiline();
        await delay(SETTLE_MS);
        seen.add(name, await stats.read());
      }
      c.close();
    }
    console.log(`${ROUNDS} POP3 sessions on an INBOX of ${MESSAGES} messages; SQL statements per command (median of the sessions):`);
    const all = seen.print(VERBOSE);
    console.log(`${String(all).padStart(4)}  the whole session (${SESSION.length} commands)`);
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
