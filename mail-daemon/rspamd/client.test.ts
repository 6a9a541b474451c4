import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@/lib/postgres/embedded';
import { GTUBE, GTUBE_ADD_HEADER, GTUBE_REWRITE_SUBJECT, startRspamd, type TestRspamd } from '@/mail-daemon/testing/rspamd';
import { createRspamdClient } from './client';
import { RspamdError, type RspamdCheckInput } from './types';

let rspamd: TestRspamd;
beforeAll(async () => {
  rspamd = await startRspamd();
});
afterAll(async () => {
  await rspamd?.stop();
});

function message(id: string, subject: string, body: string): Buffer {
  return Buffer.from(
    `Message-ID: <${id}@sender.test>\r\nFrom: Sender <sender@sender.test>\r\nTo: rcpt@postern.test\r\nSubject: ${subject}\r\nDate: Wed, 02 Dec 2026 12:00:00 +0000\r\n\r\n${body}\r\n`,
  );
}

const envelope = (raw: Buffer): RspamdCheckInput => ({
  raw,
  ip: '192.0.2.25',
  helo: 'mail.sender.test',
  from: 'sender@sender.test',
  rcpts: ['rcpt@postern.test', 'other@postern.test'],
  queueId: 'Q1',
  hostname: 'mx.postern.test',
});

describe('rspamd client against rspamd', () => {
  it('GTUBE is rejected, with its score, symbol and SMTP message', async () => {
    const client = createRspamdClient(rspamd.url, { password: rspamd.password });
    const result = await client.check(envelope(message('gtube', 'test', GTUBE)));
    expect(result.action).toBe('reject');
    expect(result.score).toBeGreaterThanOrEqual(result.requiredScore);
    expect(Object.keys(result.symbols)).toContain('GTUBE');
    expect(result.smtpMessage).toBeTruthy();
  });

  it('rspamd is given the envelope: IP, Queue-Id, the sender and every recipient in one Rcpt field', async () => {
    const client = createRspamdClient(rspamd.url);
    await client.check(envelope(message('envelope', 'hello', 'Hello there')));
    const line = await rspamd.logLine(/id: <envelope@sender\.test>/);
    expect(line).toContain('qid: <Q1>, ip: 192.0.2.25, from: <sender@sender.test>');
    expect(line).toContain('rcpts: <rcpt@postern.test,other@postern.test>');
  });

  it("rspamd's test patterns give add header and rewrite subject", async () => {
    const client = createRspamdClient(rspamd.url);
    expect((await client.check(envelope(message('gtube-ah', 'test', GTUBE_ADD_HEADER)))).action).toBe('add header');
    expect((await client.check(envelope(message('gtube-rs', 'test', GTUBE_REWRITE_SUBJECT)))).action).toBe('rewrite subject');
  });

  it('a plain message gets no action', async () => {
    const client = createRspamdClient(rspamd.url);
    const result = await client.check(envelope(message('plain', 'lunch', 'Lunch tomorrow at noon?')));
    expect(result).toMatchObject({ action: 'no action', score: 0 });
  });

  it('learns spam and ham, which rspamd counts in its Bayes statistics', async () => {
    const client = createRspamdClient(rspamd.url, { password: rspamd.password });
    const spam = message('spam1', 'cheap pills', 'Cheap pills, discount casino, winner prize, claim your lottery money now');
    const ham = message('ham1', 'minutes', 'Minutes of the board meeting, agenda for the quarterly budget review');
    const before = (await rspamd.stat()).learned;
    await client.learn('spam', spam);
    await client.learn('ham', ham);
    expect((await rspamd.stat()).learned).toBe(before + 2);
    // A second learn of the same message is refused by rspamd as already learned: still a success for us.
    await client.learn('spam', spam);
    const stat = await rspamd.stat();
    expect(stat.learned).toBe(before + 2);
    expect(Object.fromEntries(stat.statfiles.map((f) => [f.symbol, f.revision]))).toEqual({ BAYES_SPAM: 1, BAYES_HAM: 1 });
  });

  it('after learning, Bayes recognises spam like what it learnt', async () => {
    const client = createRspamdClient(rspamd.url, { password: rspamd.password });
    const spamWords = 'cheap pills discount casino winner prize lottery money claim now offer unlimited free bonus';
    const hamWords = 'meeting agenda quarterly budget review minutes board project schedule deadline report team';
    for (let i = 0; i < 3; i++) {
      await client.learn('spam', message(`bayes-spam-${i}`, `offer ${i}`, `${spamWords} ${i}`));
      await client.learn('ham', message(`bayes-ham-${i}`, `minutes ${i}`, `${hamWords} ${i}`));
    }
    const result = await client.check(envelope(message('bayes-test', 'offer', spamWords)));
    expect(Object.keys(result.symbols)).toContain('BAYES_SPAM');
  });

  it('a bounce (null sender) and internationalised addresses are scanned', async () => {
    const client = createRspamdClient(rspamd.url);
    const result = await client.check({ ...envelope(message('utf8', 'grüße', 'Hallo')), from: '', rcpts: ['jürgen@bücher.test'], user: 'jürgen@bücher.test' });
    expect(result.action).toBe('no action');
    // The User field arrived as the UTF-8 it was; rspamd 3.4 drops the non-ASCII recipient, and the null sender logs no from.
    const line = await rspamd.logLine(/id: <utf8@sender\.test>/);
    expect(line).toContain('user: jürgen@bücher.test');
    expect(line).not.toMatch(/from: <[^>]/);
  });

  it('learning without the controller password is an RspamdError', async () => {
    const client = createRspamdClient(rspamd.url);
    await expect(client.learn('ham', message('nopass', 'x', 'words words words'))).rejects.toThrow(/learnham: HTTP 401/);
  });

  it('an unreachable rspamd is an RspamdError, at once', async () => {
    const client = createRspamdClient(`http://127.0.0.1:${await freePort()}`);
    const started = Date.now();
    await expect(client.check(envelope(message('down', 'x', 'y')))).rejects.toBeInstanceOf(RspamdError);
    await expect(client.learn('spam', message('down', 'x', 'y'))).rejects.toBeInstanceOf(RspamdError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a header value with a line break is refused before anything is sent', async () => {
    const client = createRspamdClient(rspamd.url);
    await expect(client.check({ ...envelope(message('crlf', 'x', 'y')), helo: 'a\r\nPassword: x' })).rejects.toThrow(/line break/);
  });
});

describe('rspamd client limits', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/silent/checkv2') return; // never answers
      if (req.url === '/huge/checkv2') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"action":"no action","pad":"${'x'.repeat(64 * 1024)}"}`);
        return;
      }
      res.writeHead(200);
      res.end('<html>not rspamd</html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a scan that takes longer than the timeout is an RspamdError', async () => {
    const client = createRspamdClient(`${url}/silent`, { scanTimeoutMs: 300 });
    await expect(client.check(envelope(message('slow', 'x', 'y')))).rejects.toThrow(/no answer within 300 ms/);
  });

  it('an answer beyond the size bound is an RspamdError', async () => {
    const client = createRspamdClient(`${url}/huge`, { maxAnswerBytes: 16 * 1024 });
    await expect(client.check(envelope(message('big', 'x', 'y')))).rejects.toThrow(/exceeds 16384/);
  });

  it('an answer that is not rspamd JSON is an RspamdError', async () => {
    const client = createRspamdClient(url);
    await expect(client.check(envelope(message('html', 'x', 'y')))).rejects.toThrow(/not JSON/);
  });

  it('a URL that is not http(s) is refused', () => {
    expect(() => createRspamdClient('ftp://rspamd.test')).toThrow(RspamdError);
    expect(() => createRspamdClient('rspamd')).toThrow(RspamdError);
  });
});
