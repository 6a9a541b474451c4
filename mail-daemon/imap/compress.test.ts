// RFC 4978 COMPRESS=DEFLATE on the wire: the command in each state, raw deflate both ways after
// the tagged OK, [COMPRESSIONACTIVE], large literals and responses through the compressed stream,
// real clients (imapflow, which compresses whenever offered, and Python's imaplib over zlib), and
// what it saves on a FETCH of 1,000 messages' headers. Real TLS against the real Postgres store.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { ByteClient } from '@/mail-daemon/testing/imap-bytes';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

async function user(): Promise<{ address: string; mailboxId: string }> {
  const address = `z${++counter}-${Date.now()}@example.com`;
  return { address, mailboxId: await h.addUser(address, PASSWORD) };
}

async function loggedIn(): Promise<{ c: ByteClient; address: string; mailboxId: string }> {
  const u = await user();
  const c = await ByteClient.connect(h.port);
  expect((await c.command(`L LOGIN ${u.address} "${PASSWORD}"`)).toString()).toMatch(/^L OK/m);
  return { c, ...u };
}

/** A message with the header fields real mail has (trace, authentication, MIME). */
function message(n: number): string {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  return (
    `Received: from mail${n % 13}.example.org (mail${n % 13}.example.org [192.0.2.${n % 250}])\r\n\tby mx.example.com with ESMTPS id ${(n * 7919).toString(36)}\r\n\tfor <rcpt@example.com>; Tue, 24 Nov 2026 10:${String(n % 60).padStart(2, '0')}:00 +0000\r\n` +
    `Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass\r\n` +
    `From: Sender ${n % 7} <sender${n % 7}@example.org>\r\nTo: Recipient <rcpt@example.com>\r\nSubject: Message ${n} about ${words[n % words.length]}\r\n` +
    `Date: Tue, 24 Nov 2026 10:${String(n % 60).padStart(2, '0')}:00 +0000\r\nMessage-ID: <m${n}.${(n * 104729).toString(36)}@example.org>\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nBody of message ${n}.\r\n`
  );
}

const lit = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;

describe('RFC 4978 3: the COMPRESS command', () => {
  it('is not allowed before authentication', async () => {
    const c = await ByteClient.connect(h.port);
    expect((await c.command('a COMPRESS DEFLATE')).toString()).toBe('a BAD [CLIENTBUG] Not authenticated: COMPRESS is not allowed in this state\r\n');
    c.close();
  });

  it('the RFC example: OK, then everything compressed; a second COMPRESS is NO [COMPRESSIONACTIVE]', async () => {
    const { c } = await loggedIn();
    expect((await c.command('c CAPABILITY')).toString()).toMatch(/^\* CAPABILITY .*COMPRESS=DEFLATE/);
    expect((await c.command('b COMPRESS X-ZLIB')).toString()).toMatch(/^b BAD /);
    expect((await c.command('c COMPRESS DEFLATE')).toString()).toBe('c OK DEFLATE active\r\n');
    c.startCompression();
    const before = c.wireBytesIn;
    expect((await c.command('d NOOP')).toString()).toBe('d OK NOOP completed\r\n');
    expect(c.wireBytesIn).toBeGreaterThan(before);
    expect((await c.command('e COMPRESS DEFLATE')).toString()).toBe('e NO [COMPRESSIONACTIVE] DEFLATE active via COMPRESS\r\n');
    expect((await c.command('f SELECT INBOX')).toString()).toMatch(/^f OK \[READ-WRITE\]/m);
    // LOGOUT: BYE and OK arrive (the deflate stream is finished before the socket closes).
    expect((await c.command('g LOGOUT')).toString()).toBe('* BYE Logging out\r\ng OK LOGOUT completed\r\n');
    c.close();
  });

  it('in the selected state too; a 1.7 MB literal (spooled to disk) in and out through the compressed stream, byte for byte', async () => {
    const { c } = await loggedIn();
    await c.command('s SELECT INBOX');
    expect((await c.command('c COMPRESS DEFLATE')).toString()).toBe('c OK DEFLATE active\r\n');
    c.startCompression();
    const body = Array.from({ length: 80_000 }, (_, i) => `line ${i} ${(i * 2654435761 % 4294967296).toString(16)}`).join('\r\n');
    const raw = `Subject: big\r\n\r\n${body}\r\n`;
    expect((await c.command(`a APPEND INBOX ${lit(raw)}`)).toString()).toMatch(/^a OK \[APPENDUID \d+ 1\]/m);
    const got = await c.command('f FETCH 1 (BODY.PEEK[])');
    expect(got.equals(Buffer.from(`* 1 FETCH (BODY[] {${raw.length}}\r\n${raw})\r\nf OK FETCH completed\r\n`))).toBe(true);
    c.close();
  });

  it('a corrupt deflate stream from the client ends the connection', async () => {
    const { c } = await loggedIn();
    await c.command('c COMPRESS DEFLATE');
    c.rawWrite(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01]));
    await expect(c.response('x', 5_000)).rejects.toThrow(/connection closed/);
  });
});

describe('RFC 4978 with real clients', () => {
  it('imapflow compresses when offered: list, fetch, append, search', async () => {
    const u = await user();
    await h.deliver(u.mailboxId, Buffer.from(message(1)));
    const client = new ImapFlow({ host: '127.0.0.1', port: h.port, secure: true, tls: { rejectUnauthorized: false }, auth: { user: u.address, pass: PASSWORD }, logger: false });
    await client.connect();
    try {
      expect((client as unknown as { _deflate?: unknown })._deflate).toBeTruthy();
      expect((await client.list()).map((m) => m.path)).toContain('INBOX');
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.append('INBOX', Buffer.from(message(2)));
        const subjects: string[] = [];
        for await (const m of client.fetch('1:*', { envelope: true, source: true })) {
          subjects.push(m.envelope!.subject!);
          expect(m.source!.toString()).toContain(`Subject: ${m.envelope!.subject}`);
        }
        expect(subjects).toEqual(['Message 1 about bravo', 'Message 2 about charlie']);
        expect(await client.search({ subject: 'charlie' })).toEqual([2]);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  it("Python's imaplib with its socket wrapped in zlib raw deflate", async () => {
    const u = await user();
    await h.deliver(u.mailboxId, Buffer.from(message(3)));
    const script = `
import imaplib, ssl, sys, zlib
imaplib.Commands['COMPRESS'] = ('AUTH', 'SELECTED')
class Z(imaplib.IMAP4_SSL):
    def compress(self):
        typ, data = self._simple_command('COMPRESS', 'DEFLATE')
        self._z_in = zlib.decompressobj(-15)
        self._z_out = zlib.compressobj(6, zlib.DEFLATED, -15)
        self._z_buf = b''
        return typ
    def send(self, data):
        if hasattr(self, '_z_out'):
            data = self._z_out.compress(data) + self._z_out.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)
    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort('closed')
        self._z_buf += self._z_in.decompress(chunk)
    def read(self, size):
        if not hasattr(self, '_z_in'):
            return super().read(size)
        while len(self._z_buf) < size:
            self._fill()
        out, self._z_buf = self._z_buf[:size], self._z_buf[size:]
        return out
    def readline(self):
        if not hasattr(self, '_z_in'):
            return super().readline()
        while b'\\n' not in self._z_buf:
            self._fill()
        i = self._z_buf.index(b'\\n') + 1
        out, self._z_buf = self._z_buf[:i], self._z_buf[i:]
        return out
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = Z('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
m.login(sys.argv[2], sys.argv[3])
assert 'COMPRESS=DEFLATE' in m.capabilities, m.capabilities
print(m.compress())
print(m.select('INBOX')[0])
print(m.append('INBOX', None, None, b'Subject: via imaplib\\r\\n\\r\\ncompressed\\r\\n')[1][0].decode())
typ, data = m.fetch('1:2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
print(typ, [d[1].decode().strip() for d in data if isinstance(d, tuple)])
print(m.logout()[0])
`;
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', script, String(h.port), u.address, PASSWORD]);
    expect(stdout.split('\n')).toEqual([
      'OK',
      'OK',
      expect.stringMatching(/^\[APPENDUID \d+ 2\] APPEND completed$/),
      "OK ['Subject: Message 3 about delta', 'Subject: via imaplib']",
      'BYE',
      '',
    ]);
  });
});

describe('RFC 4978: what it saves', () => {
  it('FETCH 1:* (BODY.PEEK[HEADER]) of 1,000 messages: octets on the wire with and without COMPRESS', async () => {
    const { c, address } = await loggedIn();
    // One MULTIAPPEND of all 1,000 messages.
    const res = await c.command(`a APPEND INBOX ${Array.from({ length: 1000 }, (_, i) => lit(message(i + 1))).join(' ')}`, 60_000);
    expect(res.toString()).toMatch(/^a OK \[APPENDUID \d+ 1:1000\]/m);
    c.close();

    async function measure(compress: boolean): Promise<{ wire: number; tcp: number; imap: number }> {
      const s = await ByteClient.connect(h.port);
      await s.command(`L LOGIN ${address} "${PASSWORD}"`);
      if (compress) {
        await s.command('c COMPRESS DEFLATE');
        s.startCompression();
      }
      await s.command('s SELECT INBOX');
      const before = { wire: s.wireBytesIn, tcp: s.tcpBytesIn };
      const out = await s.command('f FETCH 1:* (BODY.PEEK[HEADER])', 60_000);
      const wire = s.wireBytesIn - before.wire;
      const tcp = s.tcpBytesIn - before.tcp;
      s.close();
      expect(out.toString()).toMatch(/f OK FETCH completed\r\n$/);
      return { wire, tcp, imap: out.length };
    }
    const plain = await measure(false);
    const deflated = await measure(true);
    expect(deflated.imap).toBe(plain.imap);
    expect(plain.wire).toBe(plain.imap);
    const saved = (a: number, b: number) => `${(100 * (1 - b / a)).toFixed(1)}% saved`;
    console.log(
      `FETCH 1:1000 (BODY.PEEK[HEADER]): IMAP octets ${plain.wire} plain, ${deflated.wire} with COMPRESS=DEFLATE (${saved(plain.wire, deflated.wire)}); ` +
        `TCP octets (TLS records) ${plain.tcp} and ${deflated.tcp} (${saved(plain.tcp, deflated.tcp)})`,
    );
    expect(deflated.wire).toBeLessThan(plain.wire * 0.3);
    expect(deflated.tcp).toBeLessThan(plain.tcp * 0.3);
  });
});
