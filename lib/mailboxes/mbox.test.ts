// The mbox (mboxrd) and Maildir formats on files, without a database: quoting round trips, the
// separator line, the blank line that ends a message, Status/X-Status and ":2," flags.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maildirFlags, readMaildir } from './maildir';
import { asctime, folderFile, folderOfFile, mboxEntry, readMbox, separatorDate, statusFlags } from './mbox';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-mbox-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function file(name: string, content: Buffer | string): string {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, content);
  return f;
}

describe('mboxrd', () => {
  it('writes the separator in asctime form (UTC), quotes From lines one level deeper, ends with a blank line', () => {
    expect(asctime(new Date('2026-12-03T08:09:44Z'))).toBe('Thu Dec  3 08:09:44 2026');
    const raw = Buffer.from('Subject: x\r\n\r\nFrom me\r\n>From you\r\n>>From them\r\n From not this\r\nFromage\r\n');
    expect(mboxEntry(raw, 'a@b.test', new Date('2026-11-24T10:00:01Z')).toString()).toBe(
      'From a@b.test Tue Nov 24 10:00:01 2026\nSubject: x\n\n>From me\n>>From you\n>>>From them\n From not this\nFromage\n\n',
    );
    expect(mboxEntry(Buffer.from('x\r\n'), '', new Date(0)).toString()).toBe('From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nx\n\n');
    expect(mboxEntry(Buffer.from('x\r\n'), 'two words', new Date(0)).toString()).toMatch(/^From MAILER-DAEMON /);
  });

  it('reads back the same bytes, 8-bit and quoted lines included, with sender and date', async () => {
    const bytes: number[] = [];
    for (let b = 0; b < 256; b++) if (b !== 10 && b !== 13) bytes.push(b);
    const messages = [
      Buffer.concat([Buffer.from('Subject: 8bit\r\n\r\n'), Buffer.from(bytes), Buffer.from('\r\nFrom the start of a line\r\n>From quoted\r\n')]),
      Buffer.from('Subject: ends with a blank line\r\n\r\nbody\r\n\r\n'),
      Buffer.from('Subject: last\r\n\r\n>>>From deep\r\n'),
    ];
    const dates = [new Date('2026-01-02T03:04:05Z'), new Date('2026-11-24T10:00:00Z'), new Date('2026-12-31T23:59:59Z')];
    const f = file('round.mbox', Buffer.concat(messages.map((m, i) => mboxEntry(m, `s${i}@example.test`, dates[i]))));
    const read = await all(readMbox(f));
    expect(read.map((m) => m.raw)).toEqual(messages);
    expect(read.map((m) => m.sender)).toEqual(['s0@example.test', 's1@example.test', 's2@example.test']);
    expect(read.map((m) => m.date)).toEqual(dates);
  });

  it('reads CRLF files and separators with a time zone; a message without a final line end gains one', async () => {
    const f = file('crlf.mbox', 'From x@y Mon Jan  5 01:02:03 2026\r\nA: 1\r\n\r\nbody\r\n\r\nFrom z Mon Jan  5 01:02:03 UTC 2026\r\nB: 2\r\n\r\nno end');
    const read = await all(readMbox(f));
    expect(read.map((m) => m.raw.toString())).toEqual(['A: 1\r\n\r\nbody\r\n', 'B: 2\r\n\r\nno end\r\n']);
    expect(read[1].date).toEqual(new Date('2026-01-05T01:02:03Z'));
    expect(separatorDate('not a date')).toBeUndefined();
  });

  it('refuses a file that is not an mbox; an empty file has no messages', async () => {
    await expect(all(readMbox(file('not.mbox', 'Subject: x\n\nhello\n')))).rejects.toThrow(/is not an mbox file/);
    expect(await all(readMbox(file('empty.mbox', '')))).toEqual([]);
  });

  it('reads Status and X-Status flags', () => {
    expect(statusFlags(Buffer.from('Subject: x\r\nStatus: RO\r\nX-Status: AFT\r\n\r\nStatus: D\r\n'))).toEqual(['\\Seen', '\\Answered', '\\Flagged', '\\Draft']);
    expect(statusFlags(Buffer.from('Status: O\r\n\r\n'))).toEqual([]);
  });

  it('names export files so that every folder name reads back and none climbs out', () => {
    for (const name of ['INBOX', 'INBOX/sub', 'Archive/2026', '..', 'a/../b', '.hidden', '100%', '%2E', 'x.mbox', 'Zoë']) {
      const f = folderFile(name);
      expect(f.split('/').some((level) => level === '..' || level.startsWith('.'))).toBe(false);
      expect(folderOfFile(f)).toBe(name);
    }
  });
});

describe('Maildir', () => {
  it('flags from the ":2," info: D F P R S T', () => {
    expect(maildirFlags('1700000000.M1P2.host:2,FRS')).toEqual(['\\Flagged', '\\Answered', '\\Seen']);
    expect(maildirFlags('1700000000.M1P2.host:2,DT')).toEqual(['\\Draft', '\\Deleted']);
    expect(maildirFlags('x:2,P')).toEqual(['$Forwarded']);
    expect(maildirFlags('x!2,S')).toEqual(['\\Seen']);
    expect(maildirFlags('no-info')).toEqual([]);
  });

  it('reads cur/ and new/ oldest first, tmp/ skipped, new/ without flags, mtime as the date', async () => {
    const md = path.join(dir, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(md, sub), { recursive: true });
    const put = (sub: string, name: string, body: string, t: number) => {
      const f = file(`Maildir/${sub}/${name}`, body);
      fs.utimesSync(f, t, t);
    };
    put('cur', '2.host:2,S', 'second\n', 1_700_000_200);
    put('cur', '1.host:2,RF', 'first\n', 1_700_000_100);
    put('new', '3.host', 'third\n', 1_700_000_300);
    put('tmp', '4.host', 'in flight\n', 1_700_000_400);
    const read = await all(readMaildir(md));
    expect(read.map((m) => [m.raw.toString(), m.flags, m.date.getTime() / 1000])).toEqual([
      ['first\n', ['\\Answered', '\\Flagged'], 1_700_000_100],
      ['second\n', ['\\Seen'], 1_700_000_200],
      ['third\n', [], 1_700_000_300],
    ]);
  });
});
