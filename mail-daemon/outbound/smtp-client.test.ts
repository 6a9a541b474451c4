import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, startSmtpSink, type RunningSink } from '@/mail-daemon/testing/smtp-sink';
import { SmtpClient } from './smtp-client';
import { dotStuff, xtext } from './smtp-envelope';
import { MAX_REPLY_LINE, SmtpError } from './smtp-reply';

// The hand-written SMTP client against a real smtp-server sink, and against a scripted
// raw server for what a well-behaved server never sends (garbage, overlong lines,
// silence, data injected after STARTTLS).

const FAST = { connect: 2000, greeting: 2000, command: 2000, mail: 2000, rcpt: 2000, dataInit: 2000, dataBlock: 2000, dataEnd: 2000 };

describe('dotStuff (RFC 5321 §4.5.2)', () => {
  const cases: Array<[string, string, string]> = [
    ['leading dot', '.hello\r\n', '..hello\r\n'],
    ['dot after CRLF', 'a\r\n.\r\nb\r\n', 'a\r\n..\r\nb\r\n'],
    ['dot inside a line untouched', 'a.b\r\n', 'a.b\r\n'],
    ['missing final CRLF added', 'a', 'a\r\n'],
    ['bare LF becomes CRLF', 'a\n.b\n', 'a\r\n..b\r\n'],
    ['bare CR becomes CRLF', 'a\rb\r\n', 'a\r\nb\r\n'],
    ['empty message', '', ''],
  ];
  it.each(cases)('%s', (_n, input, expected) => {
    expect(dotStuff(Buffer.from(input)).toString()).toBe(expected);
  });
});

describe('xtext (RFC 3461 §4)', () => {
  it('passes xtext through and encodes the rest', () => {
    expect(xtext('rfc822;a@b.example')).toBe('rfc822;a@b.example');
    expect(xtext('rfc822;a+2Bb@c')).toBe('rfc822;a+2Bb@c');
    expect(xtext('a b=c')).toBe('a+20b+3Dc');
  });
});

describe('against smtp-server', () => {
  const ca = createTestCa('Client Test CA');
  const cert = ca.issue(['mx.client.test']);
  let sink: RunningSink;
  let serial: RunningSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ host: '127.0.0.2', tls: cert, size: 1_000_000 });
    serial = await startSmtpSink({ host: '127.0.0.3', tls: null, pipelining: false, dsn: false });
  });
  afterAll(async () => {
    await sink.close();
    await serial.close();
  });

  it('EHLO, STARTTLS, EHLO again, a pipelined transaction, RSET, another, QUIT', async () => {
    const c = await SmtpClient.connect({ host: sink.host, port: sink.port, servername: 'mx.client.test', ca: [ca.cert], timeouts: FAST });
    expect(c.greeting.code).toBe(220);
    expect((await c.ehlo('client.test')).code).toBe(250);
    expect(c.has('STARTTLS')).toBe(true);
    expect(c.tls).toBeNull();
    expect((await c.startTls()).code).toBe(220);
    expect(c.tls).toMatchObject({ protocol: 'TLSv1.3', authorized: true, authorizationError: null, identityError: null });
    expect(c.tls!.chain.length).toBeGreaterThanOrEqual(1);
    expect(c.extensions.size).toBe(0); // forgotten after TLS (RFC 3207 §4.2)
    await c.ehlo('client.test');
    expect(c.has('PIPELINING') && c.has('DSN') && !c.has('STARTTLS')).toBe(true);
    expect(c.maxSize).toBe(1_000_000);

    const before = sink.transactions.length;
    const r = await c.send({
      from: 'a@client.test',
      recipients: [{ address: 'x@remote.test', notify: ['never'] }, { address: 'y@remote.test', orcpt: 'rfc822;y@remote.test' }],
      raw: Buffer.from('Subject: t\r\n\r\n.dot\r\n'),
      ret: 'FULL',
      envid: 'id 1',
    });
    expect(r.error).toBeNull();
    expect([r.mail?.code, ...r.rcpt.map((x) => x?.code), r.data?.code, r.final?.code]).toEqual([250, 250, 250, 354, 250]);
    const t = sink.transactions[before];
    expect(t.raw.toString()).toBe('Subject: t\r\n\r\n.dot\r\n');
    expect(t.mailArgs).toMatchObject({ RET: 'FULL', ENVID: 'id 1' /* sent as xtext id+201, decoded by the server */, SIZE: '20' });
    expect(t.rcptTo[0].args).toMatchObject({ NOTIFY: 'NEVER' });
    expect(t.tls?.protocol).toBe('TLSv1.3');

    expect((await c.rset()).code).toBe(250);
    const again = await c.send({ from: '', recipients: [{ address: 'z@remote.test' }], raw: Buffer.from('x\r\n') });
    expect(again.final?.code).toBe(250);
    expect(sink.transactions.length).toBe(before + 2);
    await c.quit();
    expect(c.closed).toBe(true);
  });

  it('reports a certificate for another name and an untrusted chain, without refusing the handshake', async () => {
    const c = await SmtpClient.connect({ host: sink.host, port: sink.port, servername: 'mx.other.test', timeouts: FAST });
    await c.ehlo('client.test');
    await c.startTls();
    expect(c.tls!.authorized).toBe(false);
    expect(c.tls!.authorizationError).toMatch(/UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED|unable/i);
    expect(c.tls!.identityError).toMatch(/mx.other.test/);
    await c.quit();
  });

  it('one command at a time without PIPELINING; DSN parameters left out without DSN', async () => {
    serial.rcptReply('no@remote.test', { code: 550, text: '5.1.1 unknown' });
    const c = await SmtpClient.connect({ host: serial.host, port: serial.port, servername: 'serial', timeouts: FAST });
    await c.ehlo('client.test');
    expect(c.has('PIPELINING')).toBe(false);
    const r = await c.send({ from: 'a@b.test', recipients: [{ address: 'no@remote.test' }, { address: 'yes@remote.test', notify: ['SUCCESS'] }], raw: Buffer.from('hi\r\n'), ret: 'HDRS' });
    expect(r.rcpt.map((x) => x?.code)).toEqual([550, 250]);
    expect(r.rcpt[0]?.enhanced).toBe('5.1.1');
    expect(r.final?.code).toBe(250);
    const t = serial.transactions.at(-1)!;
    expect(t.rcptTo.map((x) => x.address)).toEqual(['yes@remote.test']);
    expect(t.mailArgs.RET).toBeUndefined();
    // No accepted recipient: DATA is never sent.
    const none = await c.send({ from: 'a@b.test', recipients: [{ address: 'no@remote.test' }], raw: Buffer.from('hi\r\n') });
    expect(none.data).toBeNull();
    expect(none.final).toBeNull();
    await expect(c.auth('u', 'p')).rejects.toThrow(/cleartext/);
    await c.quit();
  });
});

/** A raw server that plays `script` on each connection: it gets a line reader and the socket. */
async function scripted(script: (s: net.Socket, line: () => Promise<string>) => Promise<void>): Promise<{ port: number; close(): void }> {
  const server = net.createServer((s) => {
    let buf = '';
    const waiting: Array<(l: string) => void> = [];
    const lines: string[] = [];
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const w = waiting.shift();
        if (w) w(l);
        else lines.push(l);
      }
    });
    s.on('error', () => {});
    const line = () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise<string>((r) => waiting.push(r)));
    script(s, line).catch(() => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('against a misbehaving server', () => {
  const connect = (port: number, timeouts = FAST) => SmtpClient.connect({ host: '127.0.0.1', port, servername: 'raw.test', timeouts });

  it('reads multi-line replies and cuts overlong lines without failing', async () => {
    const srv = await scripted(async (s, line) => {
      s.write('220-first\r\n220-' + 'x'.repeat(50_000) + '\r\n220 ready\r\n');
      await line();
      s.write('250-raw.test\r\n250-SIZE 1000\r\n250 8BITMIME\r\n');
      await line();
      s.write('221 bye\r\n');
      s.end();
    });
    const c = await connect(srv.port);
    expect(c.greeting.lines).toHaveLength(3);
    expect(c.greeting.lines[1].length).toBeLessThanOrEqual(MAX_REPLY_LINE);
    await c.ehlo('client.test');
    expect([...c.extensions.keys()]).toEqual(['SIZE', '8BITMIME']);
    expect(c.maxSize).toBe(1000);
    await c.quit();
    srv.close();
  });

  it('falls back to HELO when EHLO is refused', async () => {
    const srv = await scripted(async (s, line) => {
      s.write('220 old\r\n');
      expect(await line()).toMatch(/^EHLO /);
      s.write('500 what\r\n');
      expect(await line()).toBe('HELO client.test');
      s.write('250 ok\r\n');
      await line();
      s.end();
    });
    const c = await connect(srv.port);
    expect((await c.ehlo('client.test')).code).toBe(250);
    expect(c.extensions.size).toBe(0);
    await c.quit();
    srv.close();
  });

  it('garbage is a protocol error, not a crash', async () => {
    const srv = await scripted(async (s) => {
      s.write('220 hi\r\n');
      s.write('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const c = await connect(srv.port);
    await expect(c.ehlo('client.test')).rejects.toMatchObject({ kind: 'protocol' });
    expect(c.closed).toBe(true);
    srv.close();
  });

  it('a garbage greeting fails the connect', async () => {
    const srv = await scripted(async (s) => {
      s.write('\x00\xff\xfe binary\r\n');
    });
    await expect(connect(srv.port)).rejects.toBeInstanceOf(SmtpError);
    srv.close();
  });

  it('a silent server times out (RFC 5321 §4.5.3.2, shortened)', async () => {
    const srv = await scripted(async (s, line) => {
      s.write('220 hi\r\n');
      await line(); // and never answer
    });
    const c = await connect(srv.port, { ...FAST, command: 200 });
    const started = Date.now();
    await expect(c.ehlo('client.test')).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    srv.close();
  });

  it('data sent after 220 to STARTTLS, before the handshake, aborts (STARTTLS injection)', async () => {
    const srv = await scripted(async (s, line) => {
      s.write('220 hi\r\n');
      await line();
      s.write('250-raw\r\n250 STARTTLS\r\n');
      await line();
      s.write('220 go ahead\r\n250 injected\r\n');
    });
    const c = await connect(srv.port);
    await c.ehlo('client.test');
    await expect(c.startTls()).rejects.toMatchObject({ kind: 'protocol' });
    srv.close();
  });

  it('a connection closed mid-transaction is reported in the replies, not thrown', async () => {
    const srv = await scripted(async (s, line) => {
      s.write('220 hi\r\n');
      await line();
      s.write('250 raw\r\n');
      await line(); // MAIL
      s.write('250 ok\r\n');
      await line(); // RCPT
      s.destroy();
    });
    const c = await connect(srv.port);
    await c.ehlo('client.test');
    const r = await c.send({ from: 'a@b.test', recipients: [{ address: 'c@d.test' }], raw: Buffer.from('x\r\n') });
    expect(r.mail?.code).toBe(250);
    expect(r.rcpt[0]).toBeNull();
    expect(r.error?.kind).toBe('closed');
    srv.close();
  });

  it('a refused connection is a connect error', async () => {
    await expect(SmtpClient.connect({ host: '127.0.0.7', port: 1, servername: 'x', timeouts: FAST })).rejects.toMatchObject({ kind: 'connect' });
  });
});
