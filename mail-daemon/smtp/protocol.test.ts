// Over 300 lines: transcript tables grouped by RFC, sharing one running service.
// Raw-socket transcripts for what real clients will not do, grouped by RFC.
// Real daemon service, real database, real TLS, loopback ports.
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createLogger } from '@/lib/log';
import { PostgresSmtpBackend } from '../delivery/backend';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { PolicyCache } from '../services/policy-cache';
import { cipherBits } from './received';
import { MAX_AUTH_FAILURES_PER_SESSION, MAX_JUNK_COMMANDS, PosternSmtpServer } from './server';
import { RawSmtp, startSmtp, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { TEST_MASTER_KEY } from '@/mail-daemon/testing/daemon';
import { seal } from '@/lib/crypto/seal';
import { CHANNELS } from '@/lib/db/channels';
import { notify } from '@/lib/db/notify';
import { generateSelfSigned } from '@/lib/certificates/self-signed';

let db: TestDatabase;
let smtp: RunningSmtp;

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

async function connect(port = smtp.ports.mx, implicitTls = false) {
  const { client, greeting } = await RawSmtp.connect(port, { implicitTls });
  expect(greeting.code).toBe(220);
  return client;
}

/** EHLO, STARTTLS, EHLO: a client in a fresh TLS session. */
async function secure(port = smtp.ports.mx) {
  const c = await connect(port);
  await transcript(c, [['EHLO client.test', 250], ['STARTTLS', 220]]);
  const socket = await c.upgrade();
  const ehlo = await c.cmd('EHLO client.test');
  expect(ehlo.code).toBe(250);
  return { c, socket, ehlo };
}

async function authenticated(user = 'alice@example.test') {
  const s = await secure(smtp.ports.submission);
  expect((await s.c.cmd(`AUTH PLAIN ${plain(user, PASSWORD)}`)).code).toBe(235);
  return s;
}

async function setPolicy(settings: Record<string, unknown>) {
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings });
}

/** Waits until a new connection's EHLO shows the change (the NOTIFY has arrived). */
async function untilEhlo(predicate: (text: string) => boolean) {
  await expect
    .poll(async () => {
      const c = await connect();
      const r = await c.cmd('EHLO client.test');
      c.close();
      return predicate(r.text);
    }, { timeout: 5000, interval: 50 })
    .toBe(true);
}

async function countMessages(): Promise<number> {
  const r = await smtp.pool.query<{ n: string }>('SELECT count(*) AS n FROM mail_messages');
  return Number(r.rows[0].n);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  smtp = await startSmtp(db.url);
});
afterAll(async () => {
  await smtp?.stop();
  await db?.drop();
});

describe('RFC 5321: greeting, EHLO, envelope', () => {
  // §3.1, a client that talks before the greeting: reverse-dns.test.ts (the greeting waits only
  // for the blocklist verdict, held there by the DNS server; without blocklists it goes at once).
  it('a client that waits is greeted, and its EHLO answered', async () => {
    for (const port of [smtp.ports.mx, smtp.ports.submission]) {
      const c = await connect(port);
      expect((await c.cmd('EHLO client.test')).code).toBe(250);
      c.close();
    }
  });

  it('greets and advertises the extensions on MX, without AUTH', async () => {
    const c = await connect();
    const ehlo = await c.cmd('EHLO client.test');
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines[0]).toContain(smtp.hostname);
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE 52428800', 'STARTTLS']) expect(ehlo.lines).toContain(ext);
    expect(ehlo.lines.some((l) => l.startsWith('AUTH'))).toBe(false);
    c.close();
  });

  it.each([
    ['unknown local user', 'nobody@example.test', 550, '5.1.1'],
    ['disabled mailbox', 'bob@example.test', 550, '5.2.1'],
    ['mailbox over quota', 'full@example.test', 452, '4.2.2'],
    ['existing mailbox', 'alice@example.test', 250, '2.1.5'],
    ['plus-addressing', 'alice+news@example.test', 250, '2.1.5'],
    ['alias', 'sales@example.test', 250, '2.1.5'],
    ['catch-all', 'whoever@other.test', 250, '2.1.5'],
  ])('RCPT TO %s', async (_name, rcpt, code, enhanced) => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250]]);
    const r = await c.cmd(`RCPT TO:<${rcpt}>`);
    expect([r.code, r.text.slice(0, 5)]).toEqual([code, enhanced]);
    c.close();
  });

  it('refuses the recipient past maxRecipients with 452 4.5.3, and SIZE= past maxMessageBytes with 552', async () => {
    try {
      await setPolicy({ maxRecipients: 2, maxMessageBytes: 4096 });
      await untilEhlo((t) => t.includes('SIZE 4096'));
      const c = await connect();
      await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test> SIZE=5000', 552], ['MAIL FROM:<s@sender.test> SIZE=100', 250],
        ['RCPT TO:<alice@example.test>', 250], ['RCPT TO:<dave@example.test>', 250]]);
      const third = await c.cmd('RCPT TO:<sales@example.test>');
      expect([third.code, third.text.slice(0, 5)]).toEqual([452, '4.5.3']);
      // An oversize message body: 552 5.3.4 after the final dot, nothing stored.
      const before = await countMessages();
      expect((await c.cmd('DATA')).code).toBe(354);
      const big = await c.cmd('Subject: big\r\n\r\n' + 'x'.repeat(70) + '\r\n'.repeat(1) + ('y'.repeat(78) + '\r\n').repeat(60) + '.');
      expect([big.code, big.text.slice(0, 5)]).toEqual([552, '5.3.4']);
      expect(await countMessages()).toBe(before);
      c.close();
    } finally {
      await setPolicy({});
      await untilEhlo((t) => t.includes('SIZE 52428800'));
    }
  });

  it("plus-addressing follows the recipient domain's own delimiter when it overrides the global one", async () => {
    const domain = await db.prisma.domain.findUniqueOrThrow({ where: { name: 'example.test' } });
    const rcpt = async (address: string) => {
      const c = await connect();
      await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250]]);
      const r = await c.cmd(`RCPT TO:<${address}>`);
      c.close();
      return r.code;
    };
    try {
      await updatePolicy(db.prisma, SYSTEM, { domainId: domain.id, settings: { recipientDelimiter: '-' } });
      await expect.poll(() => rcpt('alice-news@example.test'), { timeout: 5000, interval: 50 }).toBe(250);
      expect(await rcpt('alice+news@example.test')).toBe(550);
    } finally {
      await updatePolicy(db.prisma, SYSTEM, { domainId: domain.id, settings: {} });
      await expect.poll(() => rcpt('alice+news@example.test'), { timeout: 5000, interval: 50 }).toBe(250);
    }
  });

  it('re-reads policy on the next connection after a NOTIFY; open sessions keep theirs', async () => {
    const old = await connect();
    expect((await old.cmd('EHLO client.test')).lines).toContain('SIZE 52428800');
    try {
      await setPolicy({ maxMessageBytes: 8192 });
      await untilEhlo((t) => t.includes('SIZE 8192'));
      expect((await old.cmd('EHLO client.test')).lines).toContain('SIZE 52428800');
      old.close();
    } finally {
      await setPolicy({});
      await untilEhlo((t) => t.includes('SIZE 52428800'));
    }
  });
});

describe('RFC 2920 PIPELINING and robustness', () => {
  it('answers a pipelined MAIL/RCPT/RCPT/DATA batch in order', async () => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250]]);
    c.write('MAIL FROM:<s@sender.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<dave@example.test>\r\nDATA\r\n');
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await c.read()).code);
    expect(codes).toEqual([250, 250, 550, 250, 354]);
    const done = await c.cmd('Subject: pipelined\r\n\r\nhi\r\n.');
    expect(done.code).toBe(250);
    c.close();
  });

  it('a client that disconnects in the middle of DATA leaves nothing behind, and the server carries on', async () => {
    const before = await countMessages();
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    c.write('Subject: cut\r\n\r\nhalf a message');
    c.close();
    const next = await connect();
    expect((await next.cmd('EHLO client.test')).code).toBe(250);
    next.close();
    expect(await countMessages()).toBe(before);
  });
});

describe('No open relay (RFC 5321 §3.6, RFC 5321 §7.1)', () => {
  it.each([
    ['plain remote recipient', 'victim@elsewhere.test'],
    ['remote recipient, upper case', 'VICTIM@ELSEWHERE.TEST'],
    ['source route through us', '@example.test:victim@elsewhere.test'],
    ['percent hack', 'victim%elsewhere.test@example.test'],
    ['bang path', 'elsewhere.test!victim@example.test'],
    ['quoted local part with @', '"victim@elsewhere.test"@example.test'],
    ['our host name as an address literal', 'victim@[127.0.0.1]'],
    ['trailing dot domain', 'victim@elsewhere.test.'],
  ])('%s is refused', async (_name, rcpt) => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<spammer@spam.test>', 250]]);
    const r = await c.cmd(`RCPT TO:<${rcpt}>`);
    expect(r.code).toBeGreaterThanOrEqual(500);
    c.close();
  });

  it('answers 554 5.7.1 for a remote recipient, also after STARTTLS', async () => {
    const { c } = await secure();
    await transcript(c, [['MAIL FROM:<spammer@spam.test>', 250]]);
    const r = await c.cmd('RCPT TO:<victim@elsewhere.test>');
    expect([r.code, r.text.slice(0, 5)]).toEqual([554, '5.7.1']);
    c.close();
  });

  it('does not relay for loopback unless the policy lists it in relayNetworks', async () => {
    try {
      await setPolicy({ relayNetworks: ['127.0.0.0/8'], maxMessageBytes: 1_000_000 });
      await untilEhlo((t) => t.includes('SIZE 1000000'));
      const c = await connect();
      await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<app@internal.test>', 250], ['RCPT TO:<victim@elsewhere.test>', 250]]);
      c.close();
    } finally {
      await setPolicy({});
      await untilEhlo((t) => t.includes('SIZE 52428800'));
    }
  });
});

describe('RFC 3207: STARTTLS', () => {
  it('501 with a parameter, 220 then a reset session whose EHLO offers no STARTTLS, 503 a second time', async () => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['STARTTLS now', 501], ['STARTTLS', 220]]);
    const socket = await c.upgrade();
    expect(socket.getProtocol()).toBe('TLSv1.3');
    // Session reset: no EHLO yet, no MAIL transaction.
    expect((await c.cmd('MAIL FROM:<s@sender.test>')).code).toBe(503);
    const ehlo = await c.cmd('EHLO client.test');
    expect(ehlo.lines).not.toContain('STARTTLS');
    expect((await c.cmd('STARTTLS')).code).toBe(503);
    expect((await c.cmd('MAIL FROM:<s@sender.test>')).code).toBe(250);
    c.close();
  });

  it.each([
    ['RSET', 'STARTTLS\r\nRSET\r\n'],
    ['MAIL', 'STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n'],
    ['MAIL, RCPT, DATA', 'STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n'],
    ['EHLO + pipelined garbage', 'STARTTLS\r\nEHLO evil.test\r\nNOOP\r\nNOOP\r\n'],
  ])('discards cleartext pipelined after STARTTLS (%s): nothing runs inside TLS', async (_name, payload) => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250]]);
    c.write(payload);
    expect((await c.read()).code).toBe(220);
    await c.upgrade();
    const ehlo = await c.cmd('EHLO client.test');
    // The first reply inside TLS answers our EHLO, not an injected command.
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines[0]).toContain(smtp.hostname);
    // No injected MAIL transaction survives: a MAIL now is not "nested".
    expect((await c.cmd('MAIL FROM:<s@sender.test>')).code).toBe(250);
    expect((await c.cmd('NOOP')).code).toBe(250);
    c.close();
  });

  it('454 4.7.0 when no certificate is available, and STARTTLS is then not advertised', async () => {
    const server = new PosternSmtpServer({
      kind: 'mx', hostname: 'notls.postern.test', tls: null, log: createLogger('t', 'silent'),
      backend: new PostgresSmtpBackend(smtp.db, smtp.pool, new PolicyCache(smtp.db)),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = await connect((server.server.address() as AddressInfo).port);
      const ehlo = await c.cmd('EHLO client.test');
      expect(ehlo.lines).not.toContain('STARTTLS');
      const r = await c.cmd('STARTTLS');
      expect([r.code, r.text]).toEqual([454, '4.7.0 TLS not available due to temporary reason']);
      expect((await c.cmd('MAIL FROM:<s@sender.test>')).code).toBe(250);
      c.close();
      await c.closed();
    } finally {
      await server.shutdown();
    }
  });

  it('requireTlsMx: 530 5.7.0 for everything but NOOP/EHLO/HELO/QUIT/STARTTLS until TLS', async () => {
    try {
      await setPolicy({ requireTlsMx: true, maxMessageBytes: 2_000_000 });
      await untilEhlo((t) => t.includes('SIZE 2000000'));
      const c = await connect();
      const replies = await transcript(c, [
        ['EHLO client.test', 250],
        ['NOOP', 250],
        ['HELO client.test', 250],
        ['MAIL FROM:<s@sender.test>', 530],
        ['RCPT TO:<alice@example.test>', 530],
        ['DATA', 530],
        ['RSET', 530],
        ['VRFY alice', 530],
        ['AUTH PLAIN AGFsaWNlAHg=', 530],
        ['STARTTLS', 220],
      ]);
      expect(replies[3].text).toBe('5.7.0 Must issue a STARTTLS command first');
      await c.upgrade();
      await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250]]);
      c.close();
    } finally {
      await setPolicy({});
      await untilEhlo((t) => t.includes('SIZE 52428800'));
    }
  });
});

describe('RFC 4954 / RFC 6409 / RFC 8314: submission and AUTH', () => {
  it('offers no AUTH and refuses AUTH and MAIL before TLS with 530 5.7.0, without looking at credentials', async () => {
    const c = await connect(smtp.ports.submission);
    const ehlo = await c.cmd('EHLO client.test');
    expect(ehlo.lines).toContain('STARTTLS');
    expect(ehlo.lines.some((l) => l.startsWith('AUTH'))).toBe(false);
    const auth = await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`);
    expect([auth.code, auth.text]).toEqual([530, '5.7.0 Must issue a STARTTLS command first']);
    expect((await c.cmd('AUTH LOGIN')).code).toBe(530);
    expect((await c.cmd('MAIL FROM:<alice@example.test>')).code).toBe(530);
    // Nothing was counted against the account: no throttle row for it.
    expect(await db.prisma.authThrottle.count({ where: { key: { contains: 'alice@example.test' } } })).toBe(0);
    c.close();
  });

  afterEach(async () => {
    await db.prisma.authThrottle.deleteMany({});
  });

  it('offers AUTH PLAIN LOGIN after STARTTLS; same 535 5.7.8 for a wrong password and an unknown user', async () => {
    const { c, ehlo } = await secure(smtp.ports.submission);
    expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
    const wrong = await c.cmd(`AUTH PLAIN ${plain('dave@example.test', 'not-the-password')}`);
    const unknown = await c.cmd(`AUTH PLAIN ${plain('nobody@example.test', 'not-the-password')}`);
    expect([wrong.code, wrong.text]).toEqual([535, '5.7.8 Authentication credentials invalid']);
    expect([unknown.code, unknown.text]).toEqual([wrong.code, wrong.text]);
    // AUTH LOGIN works too.
    expect((await c.cmd('AUTH LOGIN')).code).toBe(334);
    expect((await c.cmd(Buffer.from('dave@example.test').toString('base64'))).code).toBe(334);
    const ok = await c.cmd(Buffer.from(PASSWORD).toString('base64'));
    expect([ok.code, ok.text.slice(0, 5)]).toEqual([235, '2.7.0']);
    expect((await c.cmd(`AUTH PLAIN ${plain('dave@example.test', PASSWORD)}`)).code).toBe(503);
    c.close();
  });

  it('throttles repeated failures (454 4.7.0 while locked) per the brute-force policy', async () => {
    try {
      await setPolicy({ bruteForce: { maxFailures: 3, windowSeconds: 900, lockoutSeconds: 900 }, maxMessageBytes: 3_000_000 });
      await untilEhlo((t) => t.includes('SIZE 3000000'));
      await db.prisma.authThrottle.deleteMany({});
      // One session per attempt: the throttle counts across sessions (and processes).
      const attempt = async (password: string) => {
        const { c } = await secure(smtp.ports.submission);
        const r = await c.cmd(`AUTH PLAIN ${plain('carol@other.test', password)}`);
        c.close();
        return r;
      };
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await attempt('wrong-' + i)).code);
      expect(codes).toEqual([535, 535, 535, 454]);
      // Even the right password is refused while locked.
      const locked = await attempt(PASSWORD);
      expect([locked.code, locked.text.slice(0, 5)]).toEqual([454, '4.7.0']);
    } finally {
      await db.prisma.authThrottle.deleteMany({});
      await setPolicy({});
      await untilEhlo((t) => t.includes('SIZE 52428800'));
    }
  });

  it('closes a session after three failed AUTH attempts (421 4.7.0)', async () => {
    const { c } = await secure(smtp.ports.submission);
    for (let i = 0; i < MAX_AUTH_FAILURES_PER_SESSION; i++) expect((await c.cmd(`AUTH PLAIN ${plain('dave@example.test', 'nope-' + i)}`)).code).toBe(535);
    const r = await c.cmd(`AUTH PLAIN ${plain('dave@example.test', PASSWORD)}`);
    expect([r.code, r.text.slice(0, 5)]).toEqual([421, '4.7.0']);
    expect(await c.closed()).toBe(true);
  });

  it('MX offers and accepts no AUTH, even under TLS', async () => {
    const { c, ehlo } = await secure();
    expect(ehlo.lines.some((l) => l.startsWith('AUTH'))).toBe(false);
    expect((await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).code).toBeGreaterThanOrEqual(500);
    c.close();
  });

  it('submission requires AUTH for MAIL (530 5.7.0) and limits MAIL FROM to own addresses (553 5.7.1)', async () => {
    const anon = await secure(smtp.ports.submission);
    const r = await anon.c.cmd('MAIL FROM:<alice@example.test>');
    expect([r.code, r.text.slice(0, 5)]).toEqual([530, '5.7.0']);
    anon.c.close();
    const { c } = await authenticated();
    const other = await c.cmd('MAIL FROM:<dave@example.test>');
    expect([other.code, other.text.slice(0, 5)]).toEqual([553, '5.7.1']);
    expect((await c.cmd('MAIL FROM:<>')).code).toBe(553);
    expect((await c.cmd('MAIL FROM:<someone@remote.test>')).code).toBe(553);
    for (const own of ['alice@example.test', 'ALICE@example.test', 'alice+lists@example.test', 'sales@example.test']) {
      expect((await c.cmd(`MAIL FROM:<${own}>`)).code).toBe(250);
      expect((await c.cmd('RSET')).code).toBe(250);
    }
    c.close();
  });

  it('relays mail with only remote recipients into outbound_queue, stored once', async () => {
    const { c } = await authenticated();
    await transcript(c, [['MAIL FROM:<alice@example.test>', 250], ['RCPT TO:<a@remote.test>', 250], ['RCPT TO:<b@remote.test>', 250], ['DATA', 354]]);
    const done = await c.cmd('Subject: remote only\r\n\r\nhello\r\n.');
    expect(done.code).toBe(250);
    const queueId = /queued as (\w+)/.exec(done.text)![1];
    const rows = await smtp.pool.query(
      `SELECT q.rcpt, length(b.raw) > 0 AS stored FROM outbound_queue q JOIN mail_blobs b ON b.id = q.blob_id WHERE q.queue_id = $1 ORDER BY q.rcpt`,
      [queueId],
    );
    expect(rows.rows).toEqual([{ rcpt: 'a@remote.test', stored: true }, { rcpt: 'b@remote.test', stored: true }]);
    c.close();
  });

  it('allowCleartextAuth (off by default) lets AUTH through before TLS only when an admin turns it on', async () => {
    try {
      await setPolicy({ allowCleartextAuth: true, maxMessageBytes: 4_000_000 });
      await untilEhlo((t) => t.includes('SIZE 4000000'));
      const c = await connect(smtp.ports.submission);
      const ehlo = await c.cmd('EHLO client.test');
      expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
      expect((await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).code).toBe(235);
      c.close();
    } finally {
      await setPolicy({});
      await untilEhlo((t) => t.includes('SIZE 52428800'));
    }
  });

  it('implicit TLS on submissions offers AUTH at once', async () => {
    const c = await connect(smtp.ports.submissions, true);
    const ehlo = await c.cmd('EHLO client.test');
    expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
    expect(ehlo.lines).not.toContain('STARTTLS');
    expect((await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).code).toBe(235);
    c.close();
  });

  it('queues mail from an authenticated user to remote recipients in outbound_queue', async () => {
    const { c } = await authenticated();
    await transcript(c, [['MAIL FROM:<alice@example.test>', 250], ['RCPT TO:<friend@remote.test>', 250], ['RCPT TO:<dave@example.test>', 250], ['DATA', 354]]);
    const done = await c.cmd('Subject: out\r\n\r\nhello\r\n.');
    expect(done.code).toBe(250);
    const queueId = /queued as (\w+)/.exec(done.text)![1];
    const rows = await smtp.pool.query('SELECT rcpt, mail_from, auth_user, status FROM outbound_queue WHERE queue_id = $1', [queueId]);
    expect(rows.rows).toEqual([{ rcpt: 'friend@remote.test', mail_from: 'alice@example.test', auth_user: 'alice@example.test', status: 'QUEUED' }]);
    c.close();
  });
});

describe('RFC 5321 §2.3.8 / §4.1.1.4: end of data is only <CRLF>.<CRLF> (SMTP smuggling)', () => {
  const smuggled = 'MAIL FROM:<admin@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n';
  it.each([
    ['LF.LF', '\n.\n'],
    ['CR.CR', '\r.\r'],
    ['CRLF.LF', '\r\n.\n'],
    ['LF.CRLF', '\n.\r\n'],
    ['CRLF.CR', '\r\n.\r'],
    ['CR.CRLF', '\r.\r\n'],
    ['CR.LF', '\r.\n'],
  ])('%s never ends DATA, and the message is refused with 550 5.5.2', async (_name, seq) => {
    const before = await countMessages();
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    c.write(`Subject: first\r\n\r\nfirst${seq}${smuggled}.\r\n`);
    const r = await c.read();
    expect([r.code, r.text.slice(0, 5)]).toEqual([550, '5.5.2']);
    // The "smuggled" commands were message text: the session is back in command mode, no extra replies.
    expect((await c.cmd('NOOP')).code).toBe(250);
    expect(await countMessages()).toBe(before);
    c.close();
  });

  it('accepts a dot-stuffed line and a lone dot inside the message correctly', async () => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    const r = await c.cmd('Subject: dots\r\n\r\n..\r\n..leading\r\n.');
    expect(r.code).toBe(250);
    const queueId = /queued as (\w+)/.exec(r.text)![1];
    const raw = (await smtp.pool.query('SELECT b.raw FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1', [queueId])).rows[0].raw as Buffer;
    expect(raw.toString().endsWith('\r\n\r\n.\r\n.leading\r\n')).toBe(true);
    c.close();
  });
});

describe('Received header, Return-Path and the receipt row', () => {
  it('writes the Received header in the agreed shape with the negotiated TLS facts', async () => {
    const { c, socket } = await secure();
    const cipher = socket.getCipher();
    await transcript(c, [['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    const r = await c.cmd('Subject: trace\r\n\r\nhello\r\n.');
    const queueId = /queued as (\w+)/.exec(r.text)![1];
    const row = (await smtp.pool.query('SELECT s.*, b.raw FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1', [queueId])).rows[0];
    const text = (row.raw as Buffer).toString();
    const headers = text.slice(0, text.indexOf('Subject:'));
    const expected = new RegExp(
      '^Return-Path: <s@sender\\.test>\\r\\n' +
        // The checks on arrival (mail-daemon/authentication) put their Authentication-Results here.
        'Authentication-Results: mx\\.postern\\.test;(?:\\r\\n\\t[^\\r]*)+\\r\\n' +
        `Received: from client\\.test \\((?:[\\w.-]+|unknown) \\[127\\.0\\.0\\.1\\]\\)\\r\\n` +
        `\\t\\(using TLSv1\\.3 with cipher ${cipher.name} \\(256/256 bits\\)\\)\\r\\n` +
        `\\tby mx\\.postern\\.test \\(Postern\\) with ESMTPS id ${queueId}\\r\\n` +
        `\\tfor <alice@example\\.test> tls ${cipher.standardName}; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\\r\\n$`,
    );
    expect(headers).toMatch(expected);
    expect(row).toMatchObject({ listener: 'mx', client_ip: '127.0.0.1', helo: 'client.test', mail_from: 's@sender.test', rcpts: ['alice@example.test'],
      protocol: 'ESMTPS', tls_version: 'TLSv1.3', tls_cipher: cipher.name, tls_cipher_standard: cipher.standardName, tls_bits: 256, tls_mode: 'starttls',
      tls_sni: 'mx.postern.test', auth_user: null, size: row.raw.length });
    c.close();
  });

  it('cleartext: no TLS comment, no tls clause, no "for" with two recipients; ESMTPSA with TLS 1.2 on submissions', async () => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['RCPT TO:<dave@example.test>', 250], ['DATA', 354]]);
    const r = await c.cmd('Subject: clear\r\n\r\nhi\r\n.');
    const id = /queued as (\w+)/.exec(r.text)![1];
    const raw = (await smtp.pool.query('SELECT b.raw FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1', [id])).rows[0].raw.toString();
    expect(raw).toMatch(new RegExp(`^Return-Path: <s@sender\\.test>\\r\\nAuthentication-Results: mx\\.postern\\.test;(?:\\r\\n\\t[^\\r]*)+\\r\\nReceived: from client\\.test \\([^)]*\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby mx\\.postern\\.test \\(Postern\\) with ESMTP id ${id}; [^\\r]+\\r\\nSubject: clear`));
    // Two INBOX copies, one blob.
    const copies = await smtp.pool.query('SELECT count(DISTINCT m.id) AS n, count(DISTINCT m.blob_id) AS b FROM mail_messages m JOIN smtp_receipts s ON s.blob_id = m.blob_id WHERE s.queue_id = $1', [id]);
    expect(copies.rows[0]).toEqual({ n: '2', b: '1' });
    c.close();

    const s = await connect(smtp.ports.submissions, true);
    (s.socket as tls.TLSSocket).getCipher();
    await transcript(s, [['EHLO client.test', 250], [`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`, 235], ['MAIL FROM:<alice@example.test>', 250], ['RCPT TO:<dave@example.test>', 250], ['DATA', 354]]);
    const r2 = await s.cmd('Subject: sub\r\n\r\nhi\r\n.');
    const id2 = /queued as (\w+)/.exec(r2.text)![1];
    const row = (await smtp.pool.query('SELECT s.protocol, s.tls_mode, s.auth_user, b.raw FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1', [id2])).rows[0];
    expect(row).toMatchObject({ protocol: 'ESMTPSA', tls_mode: 'implicit', auth_user: 'alice@example.test' });
    expect(row.raw.toString()).toContain(`with ESMTPSA id ${id2}\r\n\tfor <dave@example.test> tls TLS_`);
    s.close();
  });
});

describe('TLS versions (policy minTlsVersion, RFC 8996)', () => {
  it('TLS 1.2: OpenSSL cipher name in the comment, IANA name in the tls clause', async () => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['STARTTLS', 220]]);
    const socket = await c.upgrade('mx.postern.test', { maxVersion: 'TLSv1.2' });
    const cipher = socket.getCipher();
    expect(socket.getProtocol()).toBe('TLSv1.2');
    expect(cipher.name).not.toBe(cipher.standardName);
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    const r = await c.cmd('Subject: tls12\r\n\r\nhi\r\n.');
    const id = /queued as (\w+)/.exec(r.text)![1];
    const row = (await smtp.pool.query('SELECT s.tls_version, s.tls_cipher, s.tls_cipher_standard, b.raw FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1', [id])).rows[0];
    expect(row).toMatchObject({ tls_version: 'TLSv1.2', tls_cipher: cipher.name, tls_cipher_standard: cipher.standardName });
    const bits = cipherBits(cipher.name);
    expect(bits).toBeGreaterThanOrEqual(128);
    expect(row.raw.toString()).toContain(`(using TLSv1.2 with cipher ${cipher.name} (${bits}/${bits} bits))`);
    expect(row.raw.toString()).toContain(`for <alice@example.test> tls ${cipher.standardName}; `);
    c.close();
  });

  it('minTlsVersion TLSv1.3 refuses a TLS 1.2 handshake on the next STARTTLS, after the NOTIFY', async () => {
    try {
      await setPolicy({ minTlsVersion: 'TLSv1.3' });
      await expect
        .poll(async () => {
          const c = await connect();
          await transcript(c, [['EHLO client.test', 250], ['STARTTLS', 220]]);
          const ok = await c.upgrade('mx.postern.test', { maxVersion: 'TLSv1.2' }).then(() => true, () => false);
          c.close();
          return ok;
        }, { timeout: 5000, interval: 100 })
        .toBe(false);
      const { socket } = await secure();
      expect(socket.getProtocol()).toBe('TLSv1.3');
      socket.destroy();
    } finally {
      await setPolicy({});
    }
    await expect
      .poll(async () => {
        const c = await connect();
        await transcript(c, [['EHLO client.test', 250], ['STARTTLS', 220]]);
        const ok = await c.upgrade('mx.postern.test', { maxVersion: 'TLSv1.2' }).then(() => true, () => false);
        c.close();
        return ok;
      }, { timeout: 5000, interval: 100 })
      .toBe(true);
  });
});

describe('SNI (RFC 6066) on STARTTLS and implicit TLS', () => {
  it('serves the certificate for the requested name, the default otherwise, and records the SNI', async () => {
    const other = await generateSelfSigned('smtp.other.test');
    await db.prisma.certificate.create({
      data: { status: 'ACTIVE', source: 'UPLOADED', hosts: ['smtp.other.test'], certPem: other.certPem, keySealed: seal(other.keyPem, TEST_MASTER_KEY),
        keyType: 'EC', fingerprintSha256: other.fingerprintSha256, activatedAt: new Date(Date.now() - 86_400_000) },
    });
    await notify(smtp.pool, CHANNELS.certificates, {});
    const served = async (servername: string, port = smtp.ports.mx) => {
      const c = port === smtp.ports.submissions ? await connect(port, true) : await connect(port);
      let fp: string;
      if (port === smtp.ports.submissions) {
        fp = (c.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      } else {
        await transcript(c, [['EHLO client.test', 250], ['STARTTLS', 220]]);
        fp = (await c.upgrade(servername)).getPeerCertificate().fingerprint256;
      }
      c.close();
      return fp;
    };
    await expect.poll(() => served('smtp.other.test'), { timeout: 5000, interval: 100 }).toBe(other.fingerprintSha256);
    const defaultFp = (await db.prisma.certificate.findFirstOrThrow({ where: { source: 'SELF_SIGNED' } })).fingerprintSha256;
    expect(await served('mx.postern.test')).toBe(defaultFp);
    expect(await served('unknown.example')).toBe(defaultFp);
    expect(await served('', smtp.ports.submissions)).toBe(defaultFp); // RawSmtp sends SNI mx.postern.test there

    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['STARTTLS', 220]]);
    await c.upgrade('smtp.other.test');
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    const id = /queued as (\w+)/.exec((await c.cmd('Subject: sni\r\n\r\nhi\r\n.')).text)![1];
    expect((await smtp.pool.query('SELECT tls_sni FROM smtp_receipts WHERE queue_id = $1', [id])).rows[0].tls_sni).toBe('smtp.other.test');
    c.close();
  });
});

describe('Durability: 451 4.3.0 on a database failure, nothing half-written', () => {
  it('rolls back the INBOX copies when the receipt cannot be written', async () => {
    await smtp.pool.query(`CREATE FUNCTION fail_receipt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
    await smtp.pool.query(`CREATE TRIGGER fail_receipt BEFORE INSERT ON smtp_receipts FOR EACH ROW EXECUTE FUNCTION fail_receipt()`);
    const messages = await countMessages();
    const blobs = Number((await smtp.pool.query('SELECT count(*) AS n FROM mail_blobs')).rows[0].n);
    const used = (await db.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } })).usedBytes;
    try {
      const c = await connect();
      await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
      const r = await c.cmd('Subject: doomed\r\n\r\nhi\r\n.');
      expect([r.code, r.text]).toEqual([451, '4.3.0 Local error in processing, try again later']);
      expect(r.text).not.toContain('fire');
      c.close();
    } finally {
      await smtp.pool.query('DROP TRIGGER fail_receipt ON smtp_receipts; DROP FUNCTION fail_receipt()');
    }
    expect(await countMessages()).toBe(messages);
    expect(Number((await smtp.pool.query('SELECT count(*) AS n FROM mail_blobs')).rows[0].n)).toBe(blobs);
    expect((await db.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } })).usedBytes).toBe(used);
  });
});

describe('Limits', () => {
  it('refuses connections past the per-IP limit with 421 4.7.0, and frees the slot on close', async () => {
    const limited = await startSmtp(db.url, { maxConnectionsPerIp: 2 });
    try {
      const a = await RawSmtp.connect(limited.ports.mx);
      const b = await RawSmtp.connect(limited.ports.mx);
      const c = await RawSmtp.connect(limited.ports.mx);
      expect([a.greeting.code, b.greeting.code]).toEqual([220, 220]);
      expect([c.greeting.code, c.greeting.text]).toEqual([421, '4.7.0 Too many connections from your address, try again later']);
      await c.client.closed();
      a.client.close();
      await a.client.closed();
      await expect
        .poll(async () => {
          const d = await RawSmtp.connect(limited.ports.mx);
          d.client.close();
          return d.greeting.code;
        })
        .toBe(220);
      b.client.close();
      await b.client.closed();
    } finally {
      await limited.stop();
    }
  });

  it('closes an idle session with 421 after the timeout', async () => {
    const quick = await startSmtp(db.url, { socketTimeoutMs: 300 });
    try {
      const { client } = await RawSmtp.connect(quick.ports.mx);
      const r = await client.read();
      expect(r.code).toBe(421);
      expect(await client.closed()).toBe(true);
    } finally {
      await quick.stop();
    }
  });

  it('closes the session after too many commands that move nothing forward (NOOP, RSET…)', async () => {
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250]]);
    c.write('NOOP\r\nRSET\r\n'.repeat(MAX_JUNK_COMMANDS / 2) + 'NOOP\r\n');
    const codes = [];
    for (let i = 0; i <= MAX_JUNK_COMMANDS; i++) codes.push((await c.read()).code);
    expect(codes.slice(0, MAX_JUNK_COMMANDS).every((code) => code === 250)).toBe(true);
    expect(codes[MAX_JUNK_COMMANDS]).toBe(421);
    expect(await c.closed()).toBe(true);
  });

  it('survives garbage: random bytes, NULs, half commands, TLS junk on the implicit port', async () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const junk = () => Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 400) }, () => Math.floor(rand() * 256)));
    const prefixes = ['', 'MAIL FROM:<', 'RCPT TO:', 'AUTH PLAIN ', 'EHLO ', 'DATA\r\n', 'STARTTLS\r\n', 'BDAT 10\r\n'];
    for (let i = 0; i < 24; i++) {
      const port = [smtp.ports.mx, smtp.ports.submission, smtp.ports.submissions][i % 3];
      const socket = (await import('node:net')).connect({ port, host: '127.0.0.1' });
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.on('error', () => {});
      // After the greeting on the plain ports (else it is only "421 you talk too soon");
      // straight into the handshake on the implicit TLS port.
      if (port !== smtp.ports.submissions) await new Promise((resolve) => socket.once('data', resolve));
      socket.resume(); // read the server's replies and its FIN
      socket.write(Buffer.concat([Buffer.from(prefixes[i % prefixes.length]), junk(), Buffer.from('\r\n'), junk()]));
      socket.end();
      // The server ends every one of these sessions itself (421, a failed handshake, or our FIN).
      await new Promise((resolve) => socket.once('close', resolve));
    }
    // Still serving, and a normal message goes through.
    const c = await connect();
    await transcript(c, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    expect((await c.cmd('Subject: after garbage\r\n\r\nok\r\n.')).code).toBe(250);
    c.close();
  });

  it('closes the connection on a command line longer than the limit', async () => {
    const c = await connect();
    c.write('EHLO ' + 'a'.repeat(20_000) + '\r\n');
    const r = await c.read();
    expect(r.code).toBe(421);
    expect(await c.closed()).toBe(true);
  });
});
