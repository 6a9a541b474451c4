// SEARCH, ESEARCH and ENVELOPE against clauses an IMAP compliance suite checks (Dovecot passes
// them all): transcripts, client line → server lines, over real TLS against the real store, one
// table per RFC clause. The large-message case measures this process's memory (the server runs
// in it) around a BODY search of a 40 MB message.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '@/lib/db/migrate';
import { SCAN_CHUNK } from '@/mail-daemon/store/body-scan';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { matchLines, WireClient, type Expect } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

function message(headers: string, body = 'hello there\r\n'): Buffer {
  return Buffer.from(`${headers}Subject: test\r\nMessage-ID: <m${++counter}@example.org>\r\n\r\n${body}`);
}

/** A fresh user holding `messages` in INBOX (in order, so message n is sequence number n). */
async function loggedIn(messages: Buffer[] = [], internalDate = new Date(Date.UTC(2026, 0, 1, 12))): Promise<{ c: WireClient; mailboxId: string }> {
  const address = `s${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  for (const m of messages) await h.deliver(mailboxId, m, internalDate);
  const c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  const res = await c.command(`L LOGIN ${address} "${PASSWORD}"`);
  expect(res[res.length - 1]).toMatch(/^L OK/);
  const sel = await c.command('S SELECT INBOX');
  expect(sel[sel.length - 1]).toMatch(/^S OK/);
  return { c, mailboxId };
}

type Step = [send: string, expect: (Expect | '...')[]];

/** Sends each line and reads through its tagged completion, then matches the lines read. */
async function run(c: WireClient, steps: Step[]): Promise<void> {
  for (const [send, want] of steps) {
    const lines = await c.command(send, 60_000);
    const err = matchLines(lines, want);
    if (err) throw new Error(`after ${JSON.stringify(send.slice(0, 200))}: ${err}`);
  }
}

describe('RFC 3501 6.4.4 SENTBEFORE/SENTON/SENTSINCE: the Date: header’s own date, time and zone disregarded', () => {
  const dated = [
    'Date: Sat, 24 Mar 2007 23:00:00 -0500\r\n', // 25 Mar 04:00 UTC, written the 24th
    'Date: Sun, 25 Mar 2007 01:00:00 +0200\r\n', // 24 Mar 23:00 UTC, written the 25th
    'Date: Sat, 24 Mar 2007 12:00:00 +0000\r\n',
    'Date: Fri, 23 Mar 2007 22:30:00 -0400\r\n', // 24 Mar 02:30 UTC, written the 23rd
    'Date: Sat, 24 Mar 2007 20:00:00 PDT (Pacific)\r\n', // obsolete zone and a comment: 25 Mar 03:00 UTC
    '', // no Date: the internal date (1 Jan 2026) stands in
  ].map((d) => message(`From: a@example.org\r\n${d}`));

  const table: Step[] = [
    ['d1 SEARCH SENTON 24-Mar-2007', ['* SEARCH 1 3 5', 'd1 OK SEARCH completed']],
    ['d2 SEARCH SENTBEFORE 24-Mar-2007', ['* SEARCH 4', 'd2 OK SEARCH completed']],
    ['d3 SEARCH SENTSINCE 25-Mar-2007', ['* SEARCH 2 6', 'd3 OK SEARCH completed']],
    ['d4 SEARCH SENTON 25-Mar-2007', ['* SEARCH 2', 'd4 OK SEARCH completed']],
    ['d5 SEARCH SENTON 1-Jan-2026', ['* SEARCH 6', 'd5 OK SEARCH completed']],
    // With a text key the criteria are also evaluated message by message: same answer.
    ['d6 SEARCH SENTON 24-Mar-2007 BODY hello', ['* SEARCH 1 3 5', 'd6 OK SEARCH completed']],
    ['d7 SEARCH NOT SENTON 24-Mar-2007 BODY hello', ['* SEARCH 2 4 6', 'd7 OK SEARCH completed']],
    ['d8 SEARCH ON 1-Jan-2026', ['* SEARCH 1 2 3 4 5 6', 'd8 OK SEARCH completed']],
  ];

  it('compares the day as written', async () => {
    const { c } = await loggedIn(dated);
    await run(c, table);
    c.close();
  });

  it('derives the same days for rows stored before the column existed (the migration backfill)', async () => {
    const { c, mailboxId } = await loggedIn(dated);
    const blobs = `SELECT b.id FROM mail_blobs b JOIN mail_messages m ON m.blob_id = b.id JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1`;
    const days = async () => (await h.pool.query(`SELECT to_char(sent_date, 'YYYY-MM-DD') AS d FROM mail_blobs WHERE id IN (${blobs}) ORDER BY d`, [mailboxId])).rows.map((r) => r.d);
    const atDelivery = await days();
    expect(atDelivery).toEqual(['2007-03-23', '2007-03-24', '2007-03-24', '2007-03-24', '2007-03-25', null]);
    await h.pool.query(`UPDATE mail_blobs SET sent_date = NULL WHERE id IN (${blobs})`, [mailboxId]);
    const dir = fs.readdirSync(MIGRATIONS_DIR).find((d) => d.endsWith('_sent_date'))!;
    await h.pool.query(fs.readFileSync(path.join(MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8'));
    expect(await days()).toEqual(atDelivery);
    await run(c, table);
    c.close();
  });
});

describe('RFC 3501 7.4.2 ENVELOPE with RFC 5322 3.4.1 CFWS in addresses', () => {
  it('drops comments and folding whitespace from local part and domain; names as Dovecot gives them', async () => {
    const { c } = await loggedIn([
      message('From: <user-from (comment)@ (comment) domain.org>\r\n'),
      message('From: Joe (x) Q. Public <joe (y) @example.com>\r\n'),
      message('From: a@b.example (Real Name)\r\n'),
      message('From: (leading) a@b.example\r\n'),
      message('From: <"quoted (kept)" (dropped) @ d.example>\r\n'),
    ]);
    const from = (n: number, addr: string) => new RegExp(`^\\* ${n} FETCH \\(ENVELOPE \\(NIL "test" \\(${addr.replace(/[()]/g, '\\$&')}\\) `);
    await run(c, [
      ['e1 FETCH 1 ENVELOPE', [from(1, '(NIL NIL "user-from" "domain.org")'), 'e1 OK FETCH completed']],
      ['e2 FETCH 2 ENVELOPE', [from(2, '("Joe Q. Public" NIL "joe" "example.com")'), 'e2 OK FETCH completed']],
      ['e3 FETCH 3 ENVELOPE', [from(3, '("Real Name" NIL "a" "b.example")'), 'e3 OK FETCH completed']],
      ['e4 FETCH 4 ENVELOPE', [from(4, '(NIL NIL "a" "b.example")'), 'e4 OK FETCH completed']],
      ['e5 FETCH 5 ENVELOPE', [from(5, '(NIL NIL "quoted (kept)" "d.example")'), 'e5 OK FETCH completed']],
    ]);
    c.close();
  });
});

describe('RFC 3501 6.4.4 FROM/TO/CC/BCC match the addresses, HEADER the field text', () => {
  it('matches a substring of the decoded "Name <local@domain>"', async () => {
    const { c } = await loggedIn([
      message('From: <user-from (comment)@ (comment) domain.org>\r\nTo: team@example.net\r\n'),
      message('From: Joe (x) Q. Public <joe (y) @example.com>\r\nTo: =?utf-8?q?J=C3=B6rg?= <j@x.example>\r\nCc: c@example.net\r\n'),
    ]);
    const jorg = Buffer.from('Jörg <j@');
    await run(c, [
      ['a1 SEARCH FROM "user-from@domain.org"', ['* SEARCH 1', 'a1 OK SEARCH completed']],
      ['a2 SEARCH FROM "(comment)"', ['* SEARCH', 'a2 OK SEARCH completed']],
      ['a3 SEARCH HEADER FROM "(comment)"', ['* SEARCH 1', 'a3 OK SEARCH completed']],
      ['a4 SEARCH FROM "<JOE@example.com>"', ['* SEARCH 2', 'a4 OK SEARCH completed']],
      ['a5 SEARCH FROM "\\"Joe Q. Public\\" <joe"', ['* SEARCH 2', 'a5 OK SEARCH completed']],
      ['a6 SEARCH FROM "(y)"', ['* SEARCH', 'a6 OK SEARCH completed']],
      [`a7 SEARCH CHARSET UTF-8 TO {${jorg.length}+}\r\n${jorg.toString('utf8')}`, ['* SEARCH 2', 'a7 OK SEARCH completed']],
      ['a8 SEARCH TO "team@"', ['* SEARCH 1', 'a8 OK SEARCH completed']],
      ['a9 SEARCH CC ""', ['* SEARCH 2', 'a9 OK SEARCH completed']],
      ['a10 SEARCH FROM ""', ['* SEARCH 1 2', 'a10 OK SEARCH completed']],
      ['a11 SEARCH BCC x', ['* SEARCH', 'a11 OK SEARCH completed']],
      ['a12 SEARCH OR FROM joe TO team', ['* SEARCH 1 2', 'a12 OK SEARCH completed']],
    ]);
    c.close();
  });
});

describe('RFC 4731 3.2 and RFC 7162 3.1.5: ESEARCH MODSEQ is of the messages returned', () => {
  it('MIN → the MIN message, MAX → the MAX message, both → the higher of the two, ALL/COUNT → all', async () => {
    const { c } = await loggedIn([message('From: a@x.example\r\n'), message('From: b@x.example\r\n'), message('From: c@x.example\r\n')]);
    await run(c, [['m0 STORE 2 +FLAGS.SILENT (\\Flagged)', ['m0 OK STORE completed']]]);
    const fetched = await c.command('m1 FETCH 1:* (MODSEQ)');
    const ms = fetched.filter((l) => l.startsWith('* ')).map((l) => Number(/MODSEQ \((\d+)\)/.exec(l)![1]));
    // Message 2 was changed last: the highest of all; message 1 the lowest.
    expect(ms[0]).toBeLessThan(ms[2]);
    expect(ms[2]).toBeLessThan(ms[1]);
    await run(c, [
      ['m2 SEARCH RETURN (MIN) MODSEQ 1', [`* ESEARCH (TAG "m2") MIN 1 MODSEQ ${ms[0]}`, 'm2 OK SEARCH completed']],
      ['m3 SEARCH RETURN (MAX) MODSEQ 1', [`* ESEARCH (TAG "m3") MAX 3 MODSEQ ${ms[2]}`, 'm3 OK SEARCH completed']],
      ['m4 SEARCH RETURN (MIN MAX) MODSEQ 1', [`* ESEARCH (TAG "m4") MIN 1 MAX 3 MODSEQ ${ms[2]}`, 'm4 OK SEARCH completed']],
      ['m5 SEARCH RETURN (ALL) MODSEQ 1', [`* ESEARCH (TAG "m5") ALL 1:3 MODSEQ ${ms[1]}`, 'm5 OK SEARCH completed']],
      ['m6 SEARCH RETURN (COUNT) MODSEQ 1', [`* ESEARCH (TAG "m6") COUNT 3 MODSEQ ${ms[1]}`, 'm6 OK SEARCH completed']],
      ['m7 SEARCH RETURN (MIN COUNT) MODSEQ 1', [`* ESEARCH (TAG "m7") MIN 1 COUNT 3 MODSEQ ${ms[1]}`, 'm7 OK SEARCH completed']],
      ['m8 UID SEARCH RETURN (MAX) MODSEQ 1', [`* ESEARCH (TAG "m8") UID MAX 3 MODSEQ ${ms[2]}`, 'm8 OK UID SEARCH completed']],
      ['m9 SEARCH MODSEQ 1', [`* SEARCH 1 2 3 (MODSEQ ${ms[1]})`, 'm9 OK SEARCH completed']],
      ['m10 SEARCH RETURN (MIN) MODSEQ 99999999', ['* ESEARCH (TAG "m10")', 'm10 OK SEARCH completed']],
    ]);
    c.close();
  });
});

describe('RFC 9051 9 seq-number: sequence sets in an empty mailbox and past the end', () => {
  it('1:* in an empty mailbox names no message: OK, as for UID sets', async () => {
    const { c } = await loggedIn();
    await run(c, [
      ['z1 FETCH 1:* (FLAGS)', ['z1 OK FETCH completed']],
      ['z2 UID FETCH 1:* (FLAGS)', ['z2 OK UID FETCH completed']],
      ['z3 STORE 1:* +FLAGS (\\Seen)', ['z3 OK STORE completed']],
      ['z4 UID STORE 1:* +FLAGS (\\Seen)', ['z4 OK UID STORE completed']],
      ['z5 SEARCH 1:*', ['* SEARCH', 'z5 OK SEARCH completed']],
      ['z6 UID SEARCH 1:*', ['* SEARCH', 'z6 OK UID SEARCH completed']],
      ['z7 COPY 1:* Trash', [/^z7 OK /]],
      ['z8 UID COPY 1:* Trash', [/^z8 OK /]],
      ['z9 MOVE 1:* Trash', [/^z9 OK /]],
      ['z10 UID MOVE 1:* Trash', [/^z10 OK /]],
      ['z11 FETCH * (FLAGS)', ['z11 OK FETCH completed']],
      ['z12 SEARCH 1', ['* SEARCH', 'z12 OK SEARCH completed']],
      ['z13 SEARCH RETURN (COUNT) 1:*', ['* ESEARCH (TAG "z13") COUNT 0', 'z13 OK SEARCH completed']],
    ]);
    c.close();
  });

  it('SEARCH with numbers past the end matches nothing there; FETCH with "*" takes what exists', async () => {
    const { c } = await loggedIn([message('From: a@x.example\r\n'), message('From: b@x.example\r\n')]);
    await run(c, [
      ['p1 SEARCH 5', ['* SEARCH', 'p1 OK SEARCH completed']],
      ['p2 SEARCH 1:5', ['* SEARCH 1 2', 'p2 OK SEARCH completed']],
      ['p3 SEARCH OR 2 7', ['* SEARCH 2', 'p3 OK SEARCH completed']],
      ['p4 SEARCH NOT 9', ['* SEARCH 1 2', 'p4 OK SEARCH completed']],
      ['p5 FETCH 3:* (UID)', ['* 2 FETCH (UID 2)', 'p5 OK FETCH completed']],
      ['p6 FETCH 5 (UID)', ['p6 BAD [CLIENTBUG] FETCH: Invalid message sequence number']],
    ]);
    c.close();
  });
});

describe('RFC 3501 6.4.4 BODY/TEXT over a large message: streamed, never held whole', () => {
  it('finds a string near the end of a 40 MB message and one across a read boundary, in bounded memory', async () => {
    const header = 'From: big@example.org\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n';
    const prefix = `${header}Subject: test\r\nMessage-ID: <big@example.org>\r\n\r\n`;
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\r\n';
    const size = 40 * 1024 * 1024;
    const body = Buffer.alloc(size - prefix.length);
    for (let o = 0; o < body.length; o += line.length) body.write(line, o, 'latin1');
    // Reads go from the body's start in SCAN_CHUNK slices: this needle spans the third boundary.
    const straddle = 'Straddling-Needle';
    body.write(straddle, 3 * SCAN_CHUNK - 8, 'latin1');
    body.write(' Near-The-End-Needle ', body.length - 100, 'latin1');
    body.write('\r\n', body.length - 2, 'latin1');

    // A base64 body whose encoded needle crosses its first read boundary (57 bytes a 78-byte line).
    const b64Prefix = 'From: b64@example.org\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\nSubject: test\r\n\r\n';
    const encodedAt = (d: number) => b64Prefix.length + Math.floor(d / 57) * 78 + Math.floor((d % 57) / 3) * 4;
    const b64Needle = 'Encoded-Needle-Über';
    let at = Math.floor(SCAN_CHUNK / 78) * 57 - 200;
    const boundary = b64Prefix.length + SCAN_CHUNK;
    while (!(encodedAt(at) < boundary && encodedAt(at + Buffer.byteLength(b64Needle) - 1) >= boundary)) at++;
    const plain = Buffer.alloc(2 * SCAN_CHUNK, 'lorem ipsum ');
    plain.write(b64Needle, at, 'utf8');
    const b64 = plain.toString('base64').replace(/.{76}/g, '$&\r\n');

    const u = await loggedIn([Buffer.concat([Buffer.from(prefix, 'latin1'), body]), Buffer.from(`${b64Prefix}${b64}\r\n`)]);
    const c = u.c;

    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    gc();
    const before = process.memoryUsage();
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    const baseline = rss();
    // Resets VmHWM to the current RSS, so the peak read afterwards is the search's own.
    fs.writeFileSync('/proc/self/clear_refs', '5');
    const started = Date.now();
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed + m.external - before.heapUsed - before.external);
    }, 5);
    await run(c, [
      ['b1 SEARCH BODY near-the-end-needle', ['* SEARCH 1', 'b1 OK SEARCH completed']],
      ['b2 SEARCH BODY "straddling-needle"', ['* SEARCH 1', 'b2 OK SEARCH completed']],
      ['b3 SEARCH TEXT "needle near"', ['* SEARCH', 'b3 OK SEARCH completed']],
      ['b4 SEARCH BODY "lazy dog 0123456789 the quick"', ['* SEARCH 1', 'b4 OK SEARCH completed']],
      [`b5 SEARCH CHARSET UTF-8 BODY {${Buffer.byteLength('encoded-needle-über')}+}\r\nencoded-needle-über`, ['* SEARCH 2', 'b5 OK SEARCH completed']],
      ['b6 SEARCH BODY near-the-end-needle BODY straddling-needle', ['* SEARCH 1', 'b6 OK SEARCH completed']],
    ]);
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    const peak = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(`BODY search over a 40 MB message: RSS ${mb(baseline)} MB before, peak ${mb(peak)} MB (+${mb(peak - baseline)} MB); heap+external peak +${mb(peakHeap)} MB; 6 searches in ${seconds.toFixed(1)} s`);
    // Reading the message whole costs three times its size at once (its bytes and their hex text as
    // Postgres sends a bytea); streamed, the process grew by 3-10 MB here.
    expect(peak - baseline).toBeLessThan(size / 2);
    c.close();
  }, 180_000);
});
