// POP3 behind a TCP load balancer (POSTERN_PROXY_PROTOCOL): the PROXY v2 header's source is the
// client for the login (throttling, TLS statistics), on POP3S (header, then the handshake)
// and on the cleartext port (header, then STLS).
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';
import { proxyV2 } from '@/mail-daemon/testing/proxy';

const PASSWORD = 'correct horse battery';
let h: Pop3Harness;
const logins: { ip: string; version: string | null }[] = [];

beforeAll(async () => {
  h = await startPop3Harness({
    cleartext: true,
    proxy: { trusted: (ip) => ip === '127.0.0.1', timeoutMs: 2000 },
    onLogin: ({ ip, tls: t }) => void logins.push({ ip, version: t.version }),
  });
  await h.imap.addUser('proxied@example.com', PASSWORD);
});
afterAll(() => h?.close());

/** Reads CRLF lines from a socket. */
function lines(socket: net.Socket): () => Promise<string> {
  let buf = '';
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
      queue.push(buf.slice(0, nl));
      buf = buf.slice(nl + 2);
    }
    wake?.();
  });
  return async () => {
    while (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift()!;
  };
}

async function proxied(port: number, src: string): Promise<net.Socket> {
  const raw = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
  raw.write(proxyV2({ src, dport: port }));
  return raw;
}

async function handshake(socket: net.Socket): Promise<tls.TLSSocket> {
  const secure = tls.connect({ socket, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', () => resolve());
    secure.once('error', reject);
  });
  return secure;
}

it('POP3S: the header, then the TLS handshake; the login is the proxied client’s', async () => {
  const secure = await handshake(await proxied(h.port, '203.0.113.7'));
  const next = lines(secure);
  expect(await next()).toBe('+OK Postern POP3 server ready');
  secure.write(`USER proxied@example.com\r\nPASS ${PASSWORD}\r\nQUIT\r\n`);
  expect([await next(), await next(), await next()]).toEqual(['+OK Send the password', '+OK Logged in, 0 messages (0 octets)', expect.stringMatching(/^\+OK/)]);
  expect(logins.at(-1)).toEqual({ ip: '203.0.113.7', version: 'TLSv1.3' });
  secure.destroy();
});

it('cleartext POP3: the header, the greeting, STLS, the login', async () => {
  const raw = await proxied(h.plainPort!, '198.51.100.23');
  const plain = lines(raw);
  expect(await plain()).toBe('+OK Postern POP3 server ready');
  raw.write('STLS\r\n');
  expect(await plain()).toBe('+OK Begin TLS negotiation');
  raw.removeAllListeners('data');
  const secure = await handshake(raw);
  const next = lines(secure);
  secure.write(`USER proxied@example.com\r\nPASS ${PASSWORD}\r\n`);
  expect([await next(), await next()]).toEqual(['+OK Send the password', '+OK Logged in, 0 messages (0 octets)']);
  expect(logins.at(-1)).toEqual({ ip: '198.51.100.23', version: 'TLSv1.3' });
  secure.destroy();
});
