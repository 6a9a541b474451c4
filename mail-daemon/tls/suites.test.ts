// TLS 1.2 offers only ECDHE with AEAD (no CBC, no static RSA, Mozilla "intermediate"), TLS 1.3
// keeps its defaults, and a client-initiated renegotiation is refused (RFC 5746 §4.4).
// The bootstrap certificate is ECDSA P-256: the ECDHE-ECDSA suites are the ones it can serve.
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { startSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let h: ImapHarness;
beforeAll(async () => {
  h = await startImapHarness({ cleartext: true });
});
afterAll(async () => {
  await h?.close();
});

function handshake(options: tls.ConnectionOptions, port = h.port): Promise<{ ok: true; socket: tls.TLSSocket } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost', ...options });
    socket.once('secureConnect', () => resolve({ ok: true, socket }));
    socket.once('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

describe('IMAPS TLS suites', () => {
  it.each(['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES128-SHA'])('refuses %s on TLS 1.2', async (cipher) => {
    const r = await handshake({ maxVersion: 'TLSv1.2', ciphers: cipher });
    expect(r.ok).toBe(false);
  });

  it.each(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'])('serves %s on TLS 1.2', async (cipher) => {
    const r = await handshake({ maxVersion: 'TLSv1.2', ciphers: cipher });
    expect(r.ok && r.socket.getCipher().name).toBe(cipher);
    if (r.ok) r.socket.destroy();
  });

  it('keeps the server order and the TLS 1.3 defaults', async () => {
    const r12 = await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(r12.ok && r12.socket.getCipher().name).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    const r13 = await handshake({});
    expect(r13.ok && [r13.socket.getProtocol(), r13.socket.getCipher().name]).toEqual(['TLSv1.3', 'TLS_AES_256_GCM_SHA384']);
    for (const r of [r12, r13]) if (r.ok) r.socket.destroy();
  });
});

describe('renegotiation', () => {
  /** 'renegotiated' only if the server went through with a client-initiated renegotiation. */
  async function renegotiate(socket: tls.TLSSocket): Promise<string> {
    const closed = new Promise<string>((resolve) => socket.once('close', () => resolve('closed')));
    const asked = new Promise<string>((resolve) => {
      const started = socket.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? `refused: ${err.message}` : 'renegotiated'));
      if (!started) resolve('not started');
    });
    // OpenSSL answers with a no_renegotiation alert; the client may then wait forever.
    return Promise.race([asked, closed, new Promise<string>((r) => setTimeout(() => r('not renegotiated'), 3000))]);
  }

  it('IMAPS: a client-initiated renegotiation is refused', async () => {
    const r = await handshake({ maxVersion: 'TLSv1.2' });
    if (!r.ok) throw new Error(r.error);
    r.socket.on('error', () => {});
    expect(await renegotiate(r.socket)).not.toBe('renegotiated');
  });

  it('IMAP STARTTLS: refused the same way', async () => {
    const net = await import('node:net');
    const plain = net.connect({ port: h.plainPort!, host: '127.0.0.1' });
    let got = '';
    plain.on('data', (d) => (got += d));
    await new Promise((r) => plain.once('connect', r));
    await expect.poll(() => got).toMatch(/\* OK/);
    plain.write('S STARTTLS\r\n');
    await expect.poll(() => got).toMatch(/S OK/);
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, rejectUnauthorized: false, maxVersion: 'TLSv1.2', servername: 'localhost' });
    secure.on('error', () => {});
    await new Promise((r) => secure.once('secureConnect', r));
    expect(await renegotiate(secure)).not.toBe('renegotiated');
  });

  describe('SMTP (the same served contexts)', () => {
    let db: TestDatabase;
    let smtp: RunningSmtp;
    beforeAll(async () => {
      db = await createTestDatabase();
      smtp = await startSmtp(db.url);
    });
    afterAll(async () => {
      await smtp?.stop();
      await db?.drop();
    });

    it('submissions (465): CBC refused, a client-initiated renegotiation refused', async () => {
      expect((await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' }, smtp.ports.submissions)).ok).toBe(false);
      const r = await handshake({ maxVersion: 'TLSv1.2' }, smtp.ports.submissions);
      if (!r.ok) throw new Error(r.error);
      r.socket.on('error', () => {});
      expect(await renegotiate(r.socket)).not.toBe('renegotiated');
    });
  });
});
