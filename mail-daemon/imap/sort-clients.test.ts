// A real client's SORT and THREAD: Python's imaplib (sort(), thread(), uid('SORT')) against the
// real server over TLS.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';

const run = promisify(execFile);
let h: ImapHarness;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

function mail(id: string, subject: string, day: number, refs?: string): Buffer {
  const head = [`From: a@example.org`, `Subject: ${subject}`, `Date: Thu, ${day} Jan 2026 10:00:00 +0000`, `Message-ID: <${id}@x>`, ...(refs ? [`References: ${refs}`] : [])];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\nbody\r\n`);
}

describe("Python's imaplib", () => {
  it('sorts and threads', async () => {
    const mailboxId = await h.addUser('py-sort@example.com', PASSWORD);
    await h.deliver(mailboxId, mail('a', 'Plans', 3));
    await h.deliver(mailboxId, mail('b', 'Re: Plans', 5, '<a@x>'));
    await h.deliver(mailboxId, mail('c', 'Budget', 1));
    await h.deliver(mailboxId, mail('d', 'Re: Plans', 4, '<a@x>'));
    const script = `
import imaplib, json, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX')
out = {}
out['date'] = m.sort('(DATE)', 'UTF-8', 'ALL')[1][0].decode()
out['subject'] = m.sort('(REVERSE SUBJECT)', 'UTF-8', 'ALL')[1][0].decode()
out['uid'] = m.uid('SORT', '(DATE)', 'UTF-8', 'ALL')[1][0].decode()
out['references'] = m.thread('REFERENCES', 'UTF-8', 'ALL')[1][0].decode()
out['orderedsubject'] = m.thread('ORDEREDSUBJECT', 'UTF-8', 'ALL')[1][0].decode()
m.logout()
print(json.dumps(out))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(h.port), 'py-sort@example.com', PASSWORD], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      date: '3 1 4 2',
      subject: '1 2 4 3',
      uid: '3 1 4 2',
      references: '(3)(1 (4)(2))',
      orderedsubject: '(3)(1 (4)(2))',
    });
  });
});
