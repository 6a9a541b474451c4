// `postern mailbox export` and `postern mailbox import-mail` as subprocesses on a real database:
// mail exported from one mailbox and imported into another is the same bytes; every folder round
// trips through a directory of .mbox files; Python's mailbox module (an independent writer and
// reader) writes an mbox and a Maildir we import, with their flags, and reads our export.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createPgMailStore } from '@/mail-daemon/store';
import { deliver } from '@/mail-daemon/store/deliver';
import { tmpDir } from '@/mail-daemon/testing/certificates';
import { postern, type CliResult } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createMailbox } from './create-mailbox';

let t: TestDatabase;
let pool: pg.Pool;
let tmp: string;
const ids: Record<string, string> = {};

const cli = (args: string[]): Promise<CliResult> => postern(['mailbox', ...args], { cwd: tmp, env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data') } });

function python(script: string, ...args: string[]): string {
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python: ${r.stderr}`);
  return r.stdout;
}

const MESSAGES = [
  Buffer.from('From: Bob <bob@remote.test>\r\nTo: alice@mbox.test\r\nSubject: plain\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n'),
  Buffer.concat([
    Buffer.from('From: =?utf-8?q?Zo=C3=AB?= <zoe@remote.test>\r\nSubject: 8-bit and quoting\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
    Buffer.from('Grüße, ça va? \u00ff\r\nFrom the top of a line\r\n>From quoted once\r\n>>From quoted twice\r\n\r\nFrom \r\n', 'utf8'),
    Buffer.from([0x80, 0x9f, 0xa0, 0xfe, 0xff, 0x0d, 0x0a]),
  ]),
  Buffer.from('Subject: ends in a blank line\r\n\r\nbody\r\n\r\n'),
];

/** A mailbox's messages in a folder, in UID order: bytes, flags, internal date. */
async function folder(mailbox: string, name: string) {
  const r = await pool.query(
    `SELECT b.raw, m.flags, m.internal_date, m.uid FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mail_blobs b ON b.id = m.blob_id
      JOIN mailboxes x ON x.id = f.mailbox_id WHERE x.address = $1 AND f.name = $2 ORDER BY m.uid`,
    [mailbox, name],
  );
  return r.rows as { raw: Buffer; flags: string[]; internal_date: Date; uid: string }[];
}

beforeAll(async () => {
  tmp = tmpDir();
  t = await createTestDatabase();
  pool = t.pool(4);
  await addDomain(t.prisma, SYSTEM, { name: 'mbox.test' });
  for (const who of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    ids[who] = (await createMailbox(t.prisma, SYSTEM, { address: `${who}@mbox.test`, password: 'Correct-Horse-Battery-9' })).mailbox.id;
  }
  for (const [i, raw] of MESSAGES.entries()) {
    await deliver(pool, { raw, recipients: [{ mailboxId: ids.alice }], internalDate: new Date(Date.UTC(2026, 10, 24 + i, 10, 0, i)) });
  }
  const session = await createPgMailStore({ pool }).open(ids.alice);
  await session.createFolder('Archive/2026');
  const a = Buffer.from('Subject: archived\r\n\r\nold\r\n');
  await session.append('Archive/2026', { size: a.length, data: a, flags: ['\\Seen'], internalDate: new Date('2026-01-01T00:00:00Z') });
  const s = Buffer.from('From: alice@mbox.test\r\nSubject: sent\r\n\r\nsent\r\n');
  await session.append('Sent', { size: s.length, data: s, internalDate: new Date('2026-02-01T00:00:00Z') });
});

afterAll(async () => {
  await pool?.end();
  await t?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern mailbox export / import-mail', () => {
  it('one folder: exported to a file, imported into another mailbox, the same bytes and internal dates', async () => {
    const out = await cli(['export', 'alice@mbox.test', '--folder', 'inbox', '--out', 'inbox.mbox']);
    expect(out).toEqual({ code: 0, stdout: 'exported 3 messages from 1 folder to inbox.mbox\n', stderr: expect.stringMatching(/^INBOX: 3 messages \(\d+ bytes\)\n$/) });
    const text = fs.readFileSync(path.join(tmp, 'inbox.mbox'), 'latin1');
    // The separator's sender: the SMTP envelope's when there is a receipt, else the From field's address.
    expect(text.match(/^From .*$/gm)!.filter((l) => / \d{4}$/.test(l))).toEqual([
      'From bob@remote.test Tue Nov 24 10:00:00 2026',
      'From zoe@remote.test Wed Nov 25 10:00:01 2026',
      'From MAILER-DAEMON Thu Nov 26 10:00:02 2026',
    ]);
    expect(text).toContain('\n>From the top of a line\n>>From quoted once\n>>>From quoted twice\n\n>From \n');
    expect(text.includes('\r')).toBe(false);

    const imp = await cli(['import-mail', 'bob@mbox.test', 'inbox.mbox', '--folder', 'Restored']);
    expect(imp).toEqual({ code: 0, stdout: 'imported 3 messages into bob@mbox.test\n', stderr: expect.stringMatching(/^Restored: 3 messages \(\d+ bytes\)\n$/) });
    const before = await folder('alice@mbox.test', 'INBOX');
    const after = await folder('bob@mbox.test', 'Restored');
    expect(after.map((m) => m.raw)).toEqual(MESSAGES);
    expect(after.map((m) => m.raw)).toEqual(before.map((m) => m.raw));
    expect(after.map((m) => m.internal_date)).toEqual(before.map((m) => m.internal_date));
    // Through the store: UIDs from 1, quota charged.
    expect(after.map((m) => Number(m.uid))).toEqual([1, 2, 3]);
    const used = await pool.query(`SELECT used_bytes FROM mailboxes WHERE address = 'bob@mbox.test'`);
    expect(Number(used.rows[0].used_bytes)).toBe(MESSAGES.reduce((n, m) => n + m.length, 0));
    expect(await t.prisma.auditLog.count({ where: { action: 'mailbox.import-mail', target: 'bob@mbox.test' } })).toBe(1);
    expect(await t.prisma.auditLog.count({ where: { action: 'mailbox.export', target: 'alice@mbox.test' } })).toBe(1);
  });

  it('to stdout: the mbox on stdout, the summary on stderr', async () => {
    const out = await cli(['export', 'alice@mbox.test', '--folder', 'Sent']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('From alice@mbox.test Sun Feb  1 00:00:00 2026\nFrom: alice@mbox.test\nSubject: sent\n\nsent\n\n');
    expect(out.stderr).toBe('Sent: 1 messages (46 bytes)\nexported 1 messages from 1 folder\n');
  });

  it('every folder: one .mbox each in a directory, imported back folder by folder', async () => {
    const out = await cli(['export', 'alice@mbox.test', '--out', 'all']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('exported 5 messages from 7 folders to all\n');
    const files = (fs.readdirSync(path.join(tmp, 'all'), { recursive: true }) as string[]).sort();
    expect(files).toEqual(['Archive', 'Archive.mbox', 'Archive/2026.mbox', 'Drafts.mbox', 'INBOX.mbox', 'Junk.mbox', 'Sent.mbox', 'Trash.mbox']);
    const imp = await cli(['import-mail', 'carol@mbox.test', 'all']);
    expect(imp).toMatchObject({ code: 0, stdout: 'imported 5 messages into carol@mbox.test\n' });
    for (const name of ['INBOX', 'Archive/2026', 'Sent']) {
      expect((await folder('carol@mbox.test', name)).map((m) => m.raw)).toEqual((await folder('alice@mbox.test', name)).map((m) => m.raw));
    }
    const refused = await cli(['import-mail', 'carol@mbox.test', 'all', '--folder', 'X']);
    expect(refused).toEqual({ code: 1, stdout: '', stderr: 'postern: folder: a directory of .mbox files names its folders itself: leave out --folder\n' });
  });

  it('Python\'s mailbox module reads our export: the same messages and separators', () => {
    const script = `import mailbox, sys, json
out = []
for m in mailbox.mbox(sys.argv[1]):
    out.append({'from': m.get_from(), 'bytes': m.as_bytes().hex()})
print(json.dumps(out))`;
    const read = JSON.parse(python(script, path.join(tmp, 'inbox.mbox'))) as { from: string; bytes: string }[];
    expect(read.map((m) => m.from)).toEqual(['bob@remote.test Tue Nov 24 10:00:00 2026', 'zoe@remote.test Wed Nov 25 10:00:01 2026', 'MAILER-DAEMON Thu Nov 26 10:00:02 2026']);
    // Python keeps mboxrd's quoting (it reads mboxo); the messages without From lines are the same bytes.
    expect(Buffer.from(read[0].bytes, 'hex').toString().replace(/\n/g, '\r\n')).toBe(MESSAGES[0].toString());
  });

  it('imports an mbox written by Python\'s mailbox module, with Status/X-Status flags', async () => {
    const file = path.join(tmp, 'python.mbox');
    python(
      `import mailbox, sys
box = mailbox.mbox(sys.argv[1])
for subject, flags in [('read and answered', 'RA'), ('flagged', 'F'), ('new', '')]:
    m = mailbox.mboxMessage(f'From: x@remote.test\\nSubject: {subject}\\n\\nFrom the body of {subject}\\n')
    m.set_from('x@remote.test', (2026, 3, 4, 5, 6, 7, 0, 0, 0))
    m.set_flags(flags)
    box.add(m)
box.flush()`,
      file,
    );
    const imp = await cli(['import-mail', 'dave@mbox.test', file, '--folder', 'Python']);
    expect(imp).toMatchObject({ code: 0, stdout: 'imported 3 messages into dave@mbox.test\n' });
    const got = await folder('dave@mbox.test', 'Python');
    expect(got.map((m) => [/Subject: (.*)\r\n/.exec(m.raw.toString())![1], m.flags])).toEqual([
      ['read and answered', ['\\Answered', '\\Seen']],
      ['flagged', ['\\Flagged']],
      ['new', []],
    ]);
    // Python quoted the body's From line (">From "), which reads back unquoted.
    expect(got[0].raw.toString()).toMatch(/\r\n\r\nFrom the body of read and answered\r\n$/);
    expect(got[0].internal_date).toEqual(new Date('2026-03-04T05:06:07Z'));
  });

  it('imports a Maildir written by Python\'s mailbox module, flags from ":2," (new/ unflagged)', async () => {
    const dir = path.join(tmp, 'Maildir');
    python(
      `import mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=True)
for subject, sub, flags in [('seen', 'cur', 'S'), ('replied flagged', 'cur', 'RF'), ('draft trashed', 'cur', 'DT'), ('fresh', 'new', '')]:
    m = mailbox.MaildirMessage(f'Subject: {subject}\\n\\nbody\\n')
    m.set_subdir(sub)
    m.set_flags(flags)
    box.add(m)`,
      dir,
    );
    const imp = await cli(['import-mail', 'erin@mbox.test', dir, '--folder', 'FromMaildir']);
    expect(imp).toMatchObject({ code: 0, stdout: 'imported 4 messages into erin@mbox.test\n' });
    const got = await folder('erin@mbox.test', 'FromMaildir');
    const bySubject = Object.fromEntries(got.map((m) => [/Subject: (.*)\r\n/.exec(m.raw.toString())![1], m.flags]));
    expect(bySubject).toEqual({ seen: ['\\Seen'], 'replied flagged': ['\\Answered', '\\Flagged'], 'draft trashed': ['\\Deleted', '\\Draft'], fresh: [] });
    expect(got[0].raw.toString()).toMatch(/^Subject: \w[\w ]*\r\n\r\nbody\r\n$/);
  });

  it('bad input: exit 1 with one line', async () => {
    fs.writeFileSync(path.join(tmp, 'not.mbox'), 'Subject: x\n\nhello\n');
    expect(await cli(['import-mail', 'bob@mbox.test', 'not.mbox'])).toEqual({ code: 1, stdout: '', stderr: 'postern: path: not.mbox is not an mbox file (it does not start with a "From " line)\n' });
    expect(await cli(['import-mail', 'nobody@mbox.test', 'inbox.mbox'])).toEqual({ code: 1, stdout: '', stderr: 'postern: address: no mailbox nobody@mbox.test\n' });
    expect(await cli(['import-mail', 'bob@mbox.test', 'missing.mbox'])).toEqual({ code: 1, stdout: '', stderr: 'postern: path: no such file or directory: missing.mbox\n' });
    expect(await cli(['export', 'alice@mbox.test', '--folder', 'Nope', '--out', 'x.mbox'])).toEqual({ code: 1, stdout: '', stderr: 'postern: folder: alice@mbox.test has no folder Nope\n' });
    expect(await cli(['export', 'alice@mbox.test', '--folder', 'INBOX', '--out', 'inbox.mbox'])).toEqual({ code: 1, stdout: '', stderr: 'postern: out: inbox.mbox exists (an export never overwrites a file)\n' });
    expect(await cli(['export', 'alice@mbox.test'])).toEqual({ code: 1, stdout: '', stderr: 'postern: out: give --out DIR for every folder, or --folder NAME for one\n' });
  });

  it('stops at a message over quota, saying how far it got', async () => {
    await pool.query(`UPDATE mailboxes SET quota_bytes = 200 WHERE address = 'erin@mbox.test'`);
    const r = await cli(['import-mail', 'erin@mbox.test', 'inbox.mbox', '--folder', 'Over']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'postern: file: message 1: the mailbox is over its quota; 0 imported into Over before it\n' });
  });
});
