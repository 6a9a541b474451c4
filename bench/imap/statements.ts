// bench/imap/statements.ts: the SQL statements (each one round trip) the daemon sends per IMAP
// command of a typical client session, read from pg_stat_statements: LOGIN, LIST, LIST-STATUS,
// STATUS of three folders, SELECT, FETCH 1:* FLAGS, FETCH of header fields (PEEK), STORE, EXPUNGE,
// APPEND, EXAMINE, LOGOUT. The counters are reset before each command and read after its tagged
// answer (plus a short settle for work the daemon does after answering, e.g. collecting blobs);
// the session runs --rounds times on a mailbox of --messages messages and the median per command is
// printed (BEGIN and COMMIT count: pg_stat_statements.track_utility is on by default). The median
// leaves out the daemon's periodic work (heartbeat, clean-ups) that falls into some command's window.
// With --verbose, the statements of the round with the median count are listed under each command.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres npx tsx bench/imap/statements.ts [--rounds 10] [--messages 50] [--verbose 1]
//
// DATABASE_URL's server must load the module (shared_preload_libraries = pg_stat_statements,
// pg_stat_statements.track = all) and have run CREATE EXTENSION pg_stat_statements in its
// postgres database.
import { setTimeout as delay } from 'node:timers/promises';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { spawnDaemon } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { arg, benchDatabase } from '../database';
import { CommandMedians, statementCounter } from '../statements';

const ROUNDS = arg('rounds', 10);
const MESSAGES = arg('messages', 50);
const VERBOSE = arg('verbose', 0) > 0;
const USER = 'bench@bench.test';
const PASSWORD = 'Correct-Horse-Battery-9';
/** Time for statements the daemon sends after its tagged answer to be counted. */
const SETTLE_MS = 100;

function message(n: number): string {
  return `From: a${n % 5}@sender.test\r\nTo: ${USER}\r\nSubject: statements ${n}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${n}.${Date.now()}@sender.test>\r\n\r\nbody ${n}\r\n`;
}

function appendCommand(tag: string, n: number): string {
  const m = message(n);
  return `${tag} APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}`;
}

/** The session's commands, by name: the wire line (without tag), or a function of the tag. */
const SESSION: [string, string | ((tag: string, round: number) => string)][] = [
  ['LOGIN', `LOGIN ${USER} ${PASSWORD}`],
  ['LIST', 'LIST "" "*"'],
  ['LIST-STATUS', 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))'],
  ['STATUS INBOX', 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)'],
  ['STATUS Sent', 'STATUS Sent (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)'],
  ['STATUS Drafts', 'STATUS Drafts (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)'],
  ['SELECT', 'SELECT INBOX'],
  ['FETCH 1:* FLAGS', 'FETCH 1:* (UID FLAGS)'],
  ['FETCH headers', 'FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])'],
  ['STORE', 'STORE 1 +FLAGS (\\Deleted)'],
  ['EXPUNGE', 'EXPUNGE'],
  ['APPEND', (tag, round) => appendCommand(tag, MESSAGES + round)],
  ['EXAMINE', 'EXAMINE INBOX'],
  ['LOGOUT', 'LOGOUT'],
];

async function main() {
  const { url, tmp, drop } = await benchDatabase('imap_statements');
  let daemon: Awaited<ReturnType<typeof spawnDaemon>> | null = null;
  const stats = await statementCounter(url);
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    await createMailbox(db, SYSTEM, { address: USER, password: PASSWORD, quota: '1G' });
    await db.$disconnect();
    daemon = await spawnDaemon(url, tmp);
    const port = daemon.ports.imaps;
    // Fill INBOX, and warm the daemon (pool, prepared plans, first-login folders).
    const seed = await WireClient.connect(port, { tls: true });
    await seed.line(60_000);
    await seed.command(`L LOGIN ${USER} ${PASSWORD}`, 60_000);
    for (let n = 0; n < MESSAGES; n++) {
      seed.write(appendCommand(`A${n}`, n) + '\r\n');
      const res = await seed.until(`A${n}`, 60_000);
      if (!/ OK/.test(res[res.length - 1])) throw new Error(`APPEND → ${res[res.length - 1]}`);
    }
    await seed.command('Z LOGOUT');
    seed.close();

    const seen = new CommandMedians(SESSION.map(([name]) => name));
    for (let round = 0; round < ROUNDS; round++) {
      const c = await WireClient.connect(port, { tls: true });
      await c.line(60_000);
      for (const [i, [name, line]] of SESSION.entries()) {
        const tag = `T${i}`;
        await stats.reset();
        c.write(`${typeof line === 'string' ? `${tag} ${line}` : line(tag, round)}\r\n`);
        const res = await c.until(tag, 60_000);
        if (!/ OK/.test(res[res.length - 1])) throw new Error(`${name} → ${res[res.length - 1]}`);
        await delay(SETTLE_MS);
        seen.add(name, await stats.read());
      }
      c.close();
    }
    console.log(`${ROUNDS} sessions on an INBOX of ~${MESSAGES} messages; SQL statements per command (median of the sessions):`);
    const all = seen.print(VERBOSE);
    console.log(`${String(all).padStart(4)}  the whole session (${SESSION.length} commands, ${(all / SESSION.length).toFixed(2)} per command)`);
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
