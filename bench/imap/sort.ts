// bench/imap/sort.ts: SORT (DATE), SORT (SUBJECT) and THREAD REFERENCES over one folder of
// 100,000 messages, for the Postern daemon (spawned as a real process) and for Debian's
// Dovecot (bench/imap/dovecot.ts), printed with the ratio.
//
//   npx tsx bench/imap/sort.ts [--messages 100000] [--rounds 5]
//
// Both get the same messages: threads of five (Message-ID, References, "Re:" subjects) spread
// through the folder, a sent date per message in varying zones. Postern's folder is filled
// through the store (prepareBlob + insertBlob, UIDs from allocateUids), Dovecot's by writing
// its Maildir, so neither pays for 100,000 APPENDs. Each command is timed once cold (Dovecot
// builds its sort and thread indexes then) and then `rounds` times: the median is compared.
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { withTransaction } from '@/lib/db/transaction';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import pg from 'pg';
import { insertBlob, prepareBlob } from '@/mail-daemon/store/blobs';
import { allocateUids, ensureDefaultFolders } from '@/mail-daemon/store/folders';
import { spawnDaemon } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { arg, benchDatabase } from '../database';
import { startDovecot } from './dovecot';

const MESSAGES = arg('messages', 100_000);
const ROUNDS = arg('rounds', 5);
const USER = 'sorter@bench.test';
const PASSWORD = 'Bench-Password-123';
const THREAD_LENGTH = 5;
const THREADS = Math.ceil(MESSAGES / THREAD_LENGTH);
const T0 = Date.UTC(2025, 0, 1);
const ZONES = ['+0000', '-0800', '+0100', '+0530', '-0300'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

const COMMANDS = ['SORT (DATE) UTF-8 ALL', 'SORT (SUBJECT) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL'];

/** Message n: thread n % THREADS, its (n / THREADS)th message, so threads interleave through the folder. */
function message(n: number): { raw: Buffer; date: Date } {
  const thread = n % THREADS;
  const depth = Math.floor(n / THREADS);
  const date = new Date(T0 + n * 60_000 + (n % 7) * 3_600_000);
  const zone = ZONES[n % ZONES.length];
  const sign = zone[0] === '-' ? -1 : 1;
  const offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const dateText = `${local.toUTCString().slice(0, 25)} ${zone}`;
  const refs = Array.from({ length: depth }, (_, k) => `<t${thread}-${k}@bench.test>`).join(' ');
  const subject = `${depth ? 'Re: ' : ''}Topic ${thread} ${WORDS[thread % WORDS.length]}`;
  const body = Array.from({ length: 8 }, (_, i) => `Line ${i} of message ${n}: the quick brown fox jumps over the lazy dog.`).join('\r\n');
  const head = [
    `From: Sender ${n % 97} <sender${n % 97}@example.org>`,
    `To: ${USER}`,
    `Subject: ${subject}`,
    `Date: ${dateText}`,
    `Message-ID: <t${thread}-${depth}@bench.test>`,
    ...(depth ? [`In-Reply-To: <t${thread}-${depth - 1}@bench.test>`, `References: ${refs}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  return { raw: Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}\r\n`), date };
}

async function fillPostern(url: string, mailboxId: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const folderId = await withTransaction(pool, async (c) => {
      await ensureDefaultFolders(c, mailboxId);
      return (await c.query<{ id: string }>(`SELECT id FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX'`, [mailboxId])).rows[0].id;
    });
    const BATCH = 1000;
    for (let start = 0; start < MESSAGES; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, MESSAGES - start) }, (_, i) => message(start + i));
      const blobs = batch.map((m) => prepareBlob(m.raw));
      await withTransaction(pool, async (c) => {
        const ids: string[] = [];
        for (const b of blobs) ids.push(await insertBlob(c, b));
        const { firstUid, modseq } = await allocateUids(c, folderId, batch.length);
        await c.query(
          `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq)
           SELECT $1, $2 + s.n - 1, s.blob_id, '{}', s.internal_date, s.size, $3
             FROM jsonb_to_recordset($4::jsonb) AS s(blob_id uuid, internal_date timestamptz, size int, n int)`,
          [folderId, firstUid, modseq, JSON.stringify(ids.map((id, i) => ({ n: i + 1, blob_id: id, internal_date: batch[i].date, size: blobs[i].raw.length })))],
        );
      });
    }
    await pool.query('ANALYZE mail_messages');
    await pool.query('ANALYZE mail_blobs');
  } finally {
    await pool.end();
  }
}

function fillMaildir(maildir: string): void {
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(maildir, sub), { recursive: true });
  for (let n = 0; n < MESSAGES; n++) {
    const { raw, date } = message(n);
    // Time-prefixed names in message order: Dovecot gives UIDs in that order; the mtime is the internal date.
    const file = path.join(maildir, 'cur', `${1_700_000_000 + n}.M${n}P1.bench,S=${raw.length}:2,`);
    fs.writeFileSync(file, raw);
    fs.utimesSync(file, date, date);
  }
  fs.chownSync(path.dirname(maildir), 65534, 65534);
  for (const dir of [maildir, ...['cur', 'new', 'tmp'].map((s) => path.join(maildir, s))]) fs.chownSync(dir, 65534, 65534);
  for (const f of fs.readdirSync(path.join(maildir, 'cur'))) fs.chownSync(path.join(maildir, 'cur', f), 65534, 65534);
}

interface Timing {
  select: number;
  /** Command → [cold ms, median ms, the untagged answer's length]. */
  commands: Map<string, { cold: number; median: number; answer: string }>;
}

async function timed(c: WireClient, command: string): Promise<{ ms: number; lines: string[] }> {
  const started = process.hrtime.bigint();
  const lines = await c.command(`T ${command}`, 600_000);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!/^T OK/.test(lines[lines.length - 1])) throw new Error(`${command} → ${lines[lines.length - 1]}`);
  return { ms, lines };
}

async function measure(port: number): Promise<Timing> {
  const c = await WireClient.connect(port, { tls: true });
  try {
    await c.line();
    await timed(c, `LOGIN ${USER} ${PASSWORD}`);
    const select = (await timed(c, 'SELECT INBOX')).ms;
    const commands = new Map<string, { cold: number; median: number; answer: string }>();
    for (const command of COMMANDS) {
      const cold = await timed(c, command);
      const runs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) runs.push((await timed(c, command)).ms);
      runs.sort((a, b) => a - b);
      commands.set(command, { cold: cold.ms, median: runs[Math.floor(runs.length / 2)], answer: cold.lines.slice(0, -1).join('\n') });
    }
    await c.command('Z LOGOUT');
    return { select, commands };
  } finally {
    c.close();
  }
}

async function benchPostern(): Promise<Timing> {
  const { url, tmp, drop } = await benchDatabase('imap-sort');
  let daemon: Awaited<ReturnType<typeof spawnDaemon>> | null = null;
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    const { mailbox } = await createMailbox(db, SYSTEM, { address: USER, password: PASSWORD, quota: '1G' });
    await db.$disconnect();
    const started = Date.now();
    await fillPostern(url, mailbox.id);
    console.log(`postern: ${MESSAGES} messages stored through the store in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    daemon = await spawnDaemon(url, tmp);
    return await measure(daemon.ports.imaps);
  } finally {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  }
}

async function benchDovecot(): Promise<Timing | null> {
  const dovecot = await startDovecot([USER], PASSWORD);
  if (!dovecot) return null;
  try {
    const started = Date.now();
    fillMaildir(dovecot.maildir(USER));
    console.log(`dovecot: ${MESSAGES} messages written to its Maildir in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return await measure(dovecot.port);
  } finally {
    await dovecot.stop();
  }
}

async function main(): Promise<void> {
  console.log(`bench/imap/sort: one folder of ${MESSAGES} messages (threads of ${THREAD_LENGTH}), ${ROUNDS} timed rounds after a cold one, over TLS`);
  const postern = await benchPostern();
  const dovecot = await benchDovecot();
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log('\ncommand                          postern cold / median    dovecot cold / median    postern/dovecot (median)');
  console.log(`${'SELECT INBOX'.padEnd(32)} ${ms(postern.select).padStart(22)}    ${dovecot ? ms(dovecot.select).padStart(22) : '                     -'}`);
  const rows: Record<string, unknown>[] = [];
  for (const command of COMMANDS) {
    const p = postern.commands.get(command)!;
    const d = dovecot?.commands.get(command);
    const ratio = d ? p.median / d.median : null;
    console.log(
      `${command.padEnd(32)} ${`${ms(p.cold)} / ${ms(p.median)}`.padStart(22)}    ${d ? `${ms(d.cold)} / ${ms(d.median)}`.padStart(22) : '                     -'}    ${ratio !== null ? ratio.toFixed(2).padStart(10) : ''}${d && d.answer !== p.answer ? '   (answers differ)' : d ? '   (same answer)' : ''}`,
    );
    rows.push({ command, postern: { coldMs: Math.round(p.cold), medianMs: Math.round(p.median) }, dovecot: d ? { coldMs: Math.round(d.cold), medianMs: Math.round(d.median) } : null, ratio: ratio !== null ? Number(ratio.toFixed(2)) : null, sameAnswer: d ? d.answer === p.answer : null });
  }
  fs.mkdirSync(path.join(import.meta.dirname, '..', 'results'), { recursive: true });
  fs.writeFileSync(
    path.join(import.meta.dirname, '..', 'results', 'imap-sort.json'),
    JSON.stringify({ messages: MESSAGES, rounds: ROUNDS, select: { postern: Math.round(postern.select), dovecot: dovecot ? Math.round(dovecot.select) : null }, commands: rows, at: new Date().toISOString() }, null, 2) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
