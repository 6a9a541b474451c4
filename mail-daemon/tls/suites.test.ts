// Every TLS listener (IMAPS, IMAP STARTTLS, SMTP MX STARTTLS, submission STARTTLS, submissions)
// offers on TLS 1.2 only ECDHE with AEAD (no CBC, no static RSA key exchange, no CCM_8: Mozilla
// "intermediate"), refuses TLS 1.1 (RFC 8996), keeps its own suite order and TLS 1.3's defaults,
// and refuses a client-initiated renegotiation (RFC 5746 §4.4) by ending the connection.
// The bootstrap certificate is ECDSA P-256: the ECDHE-ECDSA suites are the ones it can serve.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, tmpDir } from '@/mail-daemon/testing/certificates';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { startSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let h: ImapHarness;
let db: TestDatabase;
let smtp: RunningSmtp;
beforeAll(async () => {
  [h, db] = await Promise.all([startImapHarness({ cleartext: true }), createTestDatabase()]);
  smtp = await startSmtp(db.url);
});
afterAll(async () => {
  await smtp?.stop();
  await db?.drop();
  await h?.close();
});

type Upgrade = 'imap' | 'smtp' | null;

interface Listener {
  name: string;
  port(): number;
  /** The cleartext dialogue before the handshake (RFC 3501 §6.2.1, RFC 3207), or null for implicit TLS (RFC 8314). */
  starttls: Upgrade;
  /** A command the server answers once TLS is up, and the start of its answer. */
  probe: { line: string; answer: RegExp };
}

const IMAP_PROBE = { line: 'a NOOP', answer: /^a OK/m };
const SMTP_PROBE = { line: 'NOOP', answer: /^250 /m };
const LISTENERS: Listener[] = [
  { name: 'IMAPS (993)', port: () => h.port, starttls: null, probe: IMAP_PROBE },
  { name: 'IMAP STARTTLS (143)', port: () => h.plainPort!, starttls: 'imap', probe: IMAP_PROBE },
  { name: 'SMTP MX STARTTLS (25)', port: () => smtp.ports.mx, starttls: 'smtp', probe: SMTP_PROBE },
  { name: 'submission STARTTLS (587)', port: () => smtp.ports.submission, starttls: 'smtp', probe: SMTP_PROBE },
  { name: 'submissions (465)', port: () => smtp.ports.submissions, starttls: null, probe: SMTP_PROBE },
];

/** Reads from `socket` until `pattern` has been received. */
function until(socket: net.Socket, got: { text: string }, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(got.text)) return;
      socket.off('data', check);
      socket.off('close', closed);
      resolve();
    };
    const closed = () => reject(new Error(`closed before ${pattern}: ${JSON.stringify(got.text)}`));
    socket.on('data', check);
    socket.once('close', closed);
    check();
  });
}

/** A cleartext connection taken as far as the server's go-ahead for the handshake. */
async function upgradable(port: number, upgrade: Exclude<Upgrade, null>): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const got = { text: '' };
  socket.on('data', (d: Buffer) => (got.text += d.toString('latin1')));
  await new Promise((r) => socket.once('connect', r));
  const dialogue: [string | null, RegExp][] =
    upgrade === 'imap'
      ? [[null, /^\* OK/m], ['S STARTTLS', /^S OK.*\r\n/m]]
      : [[null, /^220 /m], ['EHLO client.test', /^250 /m], ['STARTTLS', /^220 .*\r\n/m]];
  for (const [line, answer] of dialogue) {
    if (line) {
      got.text = '';
      socket.write(`${line}\r\n`);
    }
    await until(socket, got, answer);
  }
  socket.removeAllListeners('data');
  return socket;
}

type Handshake = { ok: true; socket: tls.TLSSocket } | { ok: false; code: string };

async function handshake(listener: Listener, options: tls.ConnectionOptions): Promise<Handshake> {
  const base = { rejectUnauthorized: false, servername: 'localhost', ...options };
  const socket = listener.starttls
    ? tls.connect({ socket: await upgradable(listener.port(), listener.starttls), ...base })
    : tls.connect({ port: listener.port(), host: '127.0.0.1', ...base });
  return new Promise((resolve) => {
    socket.once('secureConnect', () => resolve({ ok: true, socket }));
    socket.once('error', (err: Error & { code?: string }) => resolve({ ok: false, code: err.code ?? err.message }));
  });
}

// What the server answers when it has no suite in common / does not speak the version (RFC 5246 §7.2).
const HANDSHAKE_FAILURE = 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE';
const PROTOCOL_VERSION = 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION';

describe.each(LISTENERS)('$name', (listener) => {
  // The client offers the one suite (SECLEVEL=0 so the client itself refuses nothing): the
  // refusal is the server's handshake_failure alert.
  it.each([
    ['CBC with SHA-1', 'ECDHE-ECDSA-AES128-SHA'],
    ['CBC with SHA-256', 'ECDHE-ECDSA-AES128-SHA256'],
    ['CCM_8 (64-bit tag)', 'ECDHE-ECDSA-AES128-CCM8'],
    ['static RSA key exchange, GCM', 'AES128-GCM-SHA256'],
    ['static RSA key exchange, CBC', 'AES128-SHA'],
  ])('refuses %s (%s) on TLS 1.2', async (_what, cipher) => {
    const r = await handshake(listener, { maxVersion: 'TLSv1.2', ciphers: `${cipher}:@SECLEVEL=0` });
    expect(r.ok ? r.socket.getCipher().name : r.code).toBe(HANDSHAKE_FAILURE);
  });

  it.each(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'])('serves %s on TLS 1.2', async (cipher) => {
    const r = await handshake(listener, { maxVersion: 'TLSv1.2', ciphers: cipher });
    expect(r.ok ? [r.socket.getProtocol(), r.socket.getCipher().name] : r.code).toEqual(['TLSv1.2', cipher]);
    if (r.ok) r.socket.destroy();
  });

  it('refuses TLS 1.1 with a protocol_version alert', async () => {
    const r = await handshake(listener, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    expect(r.ok ? r.socket.getProtocol() : r.code).toBe(PROTOCOL_VERSION);
  });

  it('keeps the server order and the TLS 1.3 defaults', async () => {
    const r12 = await handshake(listener, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(r12.ok && r12.socket.getCipher().name).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    const r13 = await handshake(listener, {});
    expect(r13.ok && [r13.socket.getProtocol(), r13.socket.getCipher().name]).toEqual(['TLSv1.3', 'TLS_AES_256_GCM_SHA384']);
    for (const r of [r12, r13]) if (r.ok) r.socket.destroy();
  });

  it('a client-initiated renegotiation ends the connection with an error', async () => {
    const r = await renegotiate(listener.port(), listener.starttls, listener.probe);
    expect(r.renegotiating).toBe(true);
    expect(r.answered).toBe(false);
    expect(r.exitCode).not.toBe(0);
    // The server's no_renegotiation alert ("no renegotiation"), or the connection ended
    // under the new handshake ("unexpected eof").
    expect(r.afterRequest).toMatch(/RENEGOTIATING\n.*error:.*:(no renegotiation|unexpected eof while reading):/);
  });
});

interface Renegotiation {
  /** s_client sent the new ClientHello. */
  renegotiating: boolean;
  /** The server answered the probe sent after it: the connection carried on. */
  answered: boolean;
  exitCode: number | null;
  /** s_client's output after it asked to renegotiate. */
  afterRequest: string;
}

/**
 * `openssl s_client` on TLS 1.2 without -legacy_renegotiation: `R` on its stdin asks for a
 * renegotiation, then the probe command follows. stdin stays open, so s_client only exits
 * when the server ends the connection; a server that renegotiates answers the probe instead,
 * and the test then closes stdin itself. No timer decides the outcome.
 */
function renegotiate(port: number, starttls: Upgrade, probe: Listener['probe']): Promise<Renegotiation> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_2', '-crlf', ...(starttls ? ['-starttls', starttls] : [])];
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let requestedAt = -1;
  let probedAt = -1;
  let answered = false;
  return new Promise((resolve, reject) => {
    const onOutput = (d: Buffer) => {
      out += d.toString('latin1');
      if (requestedAt < 0 && /Verify return code:/.test(out)) {
        requestedAt = out.length;
        child.stdin.write('R\n');
      }
      if (requestedAt >= 0 && probedAt < 0 && out.includes('RENEGOTIATING', requestedAt)) {
        probedAt = out.length;
        child.stdin.write(`${probe.line}\n`);
      }
      if (probedAt >= 0 && !answered && probe.answer.test(out.slice(probedAt))) {
        answered = true;
        child.stdin.end();
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.stdin.on('error', () => {});
    child.once('error', reject);
    child.once('close', (exitCode) =>
      resolve({ renegotiating: probedAt >= 0, answered, exitCode, afterRequest: requestedAt >= 0 ? out.slice(requestedAt) : out }),
    );
  });
}

describe('the renegotiation probe', () => {
  // Against a server that allows renegotiation (Node's default for a TLS 1.2 server), the same
  // client renegotiates and carries on: the refusals above are the listeners', not the client's.
  let server: tls.Server;
  beforeAll(async () => {
    const [key, cert] = [path.join(tmpDir(), 'key.pem'), path.join(tmpDir(), 'cert.pem')];
    const made = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert]);
    expect(made.code).toBe(0);
    server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (socket) => {
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        if (/NOOP/.test(d.toString('latin1'))) socket.write('250 2.0.0 OK\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
  });

  it('renegotiates with a server that allows it', async () => {
    const r = await renegotiate((server.address() as net.AddressInfo).port, null, SMTP_PROBE);
    expect([r.renegotiating, r.answered, r.exitCode]).toEqual([true, true, 0]);
  });
});
