// RFC 3834 auto-replies through the real SMTP service: mail arrives at the MX port for a mailbox
// whose owner set a vacation reply; the reply is queued for the sender with a null reverse-path
// and Auto-Submitted: auto-replied, once per sender per interval, and never to the kinds of mail
// §2 excludes. One table per clause. The reply is DKIM-signed with the mailbox's domain key,
// checked by dkimpy against the record on a loopback DNS server.
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { activateDkimKey, checkDkimDns, generateDkimKey } from '@/lib/dkim';
import { createResolver } from '@/lib/dns/resolver';
import { setVacation, type MailUser } from '@/lib/self-service';
import { TEST_MASTER_KEY } from '@/mail-daemon/testing/daemon';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { dkimpyVerify } from '@/mail-daemon/testing/dkimpy';
import { RawSmtp, seededSmtpWorld, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let smtp: RunningSmtp;
let dns: RunningDnsServer;
afterAll(() => dns?.close());

seededSmtpWorld(
  (w) => ({ smtp } = w),
  async (db) => {
    await db.prisma.policy.upsert({
      where: { id: '00000000-0000-0000-0000-000000000000' },
      create: { id: '00000000-0000-0000-0000-000000000000', settings: { authChecks: false } },
      update: { settings: { authChecks: false } },
    });
    // example.test's active DKIM key, published as an admin would; the SMTP world unseals with TEST_MASTER_KEY.
    process.env.POSTERN_SECRET = TEST_MASTER_KEY;
    dns = await startDnsServer({ zones: {} });
    const key = await generateDkimKey(db.prisma, SYSTEM, { domain: 'example.test', type: 'rsa', selector: 'away' });
    dns.set({ [key.record.name]: { TXT: [key.record.strings] } });
    expect((await checkDkimDns(db.prisma, SYSTEM, { domain: 'example.test', selector: 'away' }, createResolver({ servers: [dns.server], timeoutMs: 2_000 }))).status).toBe('found');
    await activateDkimKey(db.prisma, SYSTEM, { domain: 'example.test', selector: 'away' });
    for (const address of ['alice@example.test', 'dave@example.test']) {
      const m = await db.prisma.mailbox.findUniqueOrThrow({ where: { address } });
      const user: MailUser = { kind: 'mailbox', id: m.id, address, domainId: m.domainId };
      await setVacation(db.prisma, user, { enabled: address === 'alice@example.test', subject: 'Away until Monday', body: 'I read mail on Monday.\nGrüße', intervalDays: 7 });
    }
  },
);

let n = 0;

/** One message over the MX port; returns its queue id. */
async function arrive(mailFrom: string, headers: string[], rcpt = 'alice@example.test', port = smtp.ports.mx): Promise<string> {
  const { client } = await RawSmtp.connect(port);
  await transcript(client, [['EHLO client.test', 250], [`MAIL FROM:<${mailFrom}>`, 250], [`RCPT TO:<${rcpt}>`, 250], ['DATA', 354]]);
  const done = await client.cmd(`${headers.join('\r\n')}\r\nMessage-ID: <m${++n}@remote.test>\r\nSubject: hello ${n}\r\n\r\nHi.\r\n.`);
  expect(done.code).toBe(250);
  client.close();
  return /queued as (\w+)/.exec(done.text)![1];
}

async function repliesTo(sender: string): Promise<{ queue_id: string; mail_from: string; raw: string; bytes: Buffer }[]> {
  const r = await smtp.pool.query(
    `SELECT o.queue_id, o.mail_from, convert_from(b.raw, 'UTF8') AS raw, b.raw AS bytes FROM outbound_queue o JOIN mail_blobs b ON b.id = o.blob_id
      WHERE o.rcpt = $1 ORDER BY o.created_at`,
    [sender],
  );
  return r.rows;
}

describe('RFC 3834 §3: the reply', () => {
  it('goes to the sender through the queue: null reverse-path, Auto-Submitted: auto-replied, In-Reply-To the message', async () => {
    const queueId = await arrive('friend@remote.test', ['From: Friend <friend@remote.test>', 'To: alice@example.test']);
    const [reply, ...more] = await repliesTo('friend@remote.test');
    expect(more).toEqual([]);
    expect(reply.queue_id).toBe(`${queueId}.vacation`);
    expect(reply.mail_from).toBe('');
    expect(reply.raw).toMatch(/^DKIM-Signature: [^]*\r\nFrom: <alice@example\.test>\r\n/);
    expect(await dkimpyVerify(reply.bytes, dns.server)).toMatchObject({ ok: true, d: 'example.test', s: 'away' });
    expect(reply.raw).toContain('\r\nTo: <friend@remote.test>\r\n');
    expect(reply.raw).toContain('\r\nSubject: Away until Monday\r\n');
    expect(reply.raw).toContain('\r\nAuto-Submitted: auto-replied\r\n');
    expect(reply.raw).toMatch(/\r\nIn-Reply-To: <m\d+@remote\.test>\r\nReferences: <m\d+@remote\.test>\r\n/);
    const body = reply.raw.split('\r\n\r\n')[1];
    expect(Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8')).toBe('I read mail on Monday.\r\nGrüße');
  });

  it('§2: once per sender in the interval; another sender gets its own', async () => {
    await arrive('twice@remote.test', ['To: alice@example.test']);
    await arrive('Twice@remote.test', ['To: alice@example.test']);
    await arrive('other@remote.test', ['To: Alice <ALICE@example.test>']);
    expect(await repliesTo('twice@remote.test')).toHaveLength(1);
    expect(await repliesTo('other@remote.test')).toHaveLength(1);
    // Once the interval has passed, the sender hears again.
    await smtp.pool.query(`UPDATE vacation_replies SET sent_at = now() - interval '8 days' WHERE sender = 'twice@remote.test'`);
    await arrive('twice@remote.test', ['To: alice@example.test']);
    expect(await repliesTo('twice@remote.test')).toHaveLength(2);
  });

  it('a local sender gets the reply in its INBOX, not through the queue', async () => {
    await arrive('dave@example.test', ['To: alice@example.test']);
    expect(await repliesTo('dave@example.test')).toEqual([]);
    const inbox = await smtp.pool.query(
      `SELECT convert_from(b.raw, 'UTF8') AS raw FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes x ON x.id = f.mailbox_id
         JOIN mail_blobs b ON b.id = m.blob_id WHERE x.address = 'dave@example.test' AND f.name = 'INBOX'`,
    );
    expect(inbox.rows.map((r) => r.raw).filter((raw: string) => raw.includes('Auto-Submitted: auto-replied'))).toHaveLength(1);
  });
});

describe('RFC 3834 §2: no reply', () => {
  it.each([
    ['to a null reverse-path (a bounce)', '', ['To: alice@example.test']],
    ['to Auto-Submitted: auto-generated', 'auto1@remote.test', ['To: alice@example.test', 'Auto-Submitted: auto-generated']],
    ['to Auto-Submitted: auto-replied', 'auto2@remote.test', ['To: alice@example.test', 'Auto-Submitted: auto-replied']],
    ['to a mailing list (List-Id, RFC 2919)', 'list1@remote.test', ['To: alice@example.test', 'List-Id: <news.remote.test>']],
    ['to a mailing list (List-Unsubscribe, RFC 2369)', 'list2@remote.test', ['To: alice@example.test', 'List-Unsubscribe: <mailto:u@remote.test>']],
    ['to Precedence: bulk', 'bulk1@remote.test', ['To: alice@example.test', 'Precedence: bulk']],
    ['to Precedence: list', 'bulk2@remote.test', ['To: alice@example.test', 'Precedence: list']],
    ['to Precedence: junk', 'bulk3@remote.test', ['To: alice@example.test', 'Precedence: junk']],
    ['to a list owner', 'owner-news@remote.test', ['To: alice@example.test']],
    ['to a list request address', 'news-request@remote.test', ['To: alice@example.test']],
    ['to MAILER-DAEMON', 'MAILER-DAEMON@remote.test', ['To: alice@example.test']],
    ['when the mailbox is not in To or Cc (Bcc, a list)', 'bcc@remote.test', ['To: someone@remote.test']],
  ])('%s', async (_clause, mailFrom, headers) => {
    await arrive(mailFrom, headers);
    expect(await repliesTo(mailFrom.toLowerCase())).toEqual([]);
    expect(await smtp.pool.query(`SELECT 1 FROM vacation_replies WHERE sender = $1`, [mailFrom.toLowerCase()])).toMatchObject({ rowCount: 0 });
  });

  it('but Auto-Submitted: no is a person writing: answered', async () => {
    await arrive('person@remote.test', ['To: alice@example.test', 'Auto-Submitted: no']);
    expect(await repliesTo('person@remote.test')).toHaveLength(1);
  });

  it('Cc and an alias of the mailbox count as named', async () => {
    await arrive('cc@remote.test', ['To: x@remote.test', 'Cc: alice@example.test']);
    await arrive('alias@remote.test', ['To: sales@example.test'], 'sales@example.test');
    expect(await repliesTo('cc@remote.test')).toHaveLength(1);
    expect(await repliesTo('alias@remote.test')).toHaveLength(1);
  });

  it('a mailbox whose reply is off answers nobody', async () => {
    await arrive('quiet@remote.test', ['To: dave@example.test'], 'dave@example.test');
    expect(await repliesTo('quiet@remote.test')).toEqual([]);
  });
});
