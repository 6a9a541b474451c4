// Rotation without downtime, end to end: the real daemon as a subprocess; an IMAP
// IDLE session and an SMTP session (after STARTTLS) opened on the old certificate;
// "activate" a new one; `openssl s_client` on SMTP STARTTLS, submissions and IMAPS
// sees it within 5 seconds; the old sessions keep working on their old handshake.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateCertificate } from '@/lib/certificates/activate-certificate';
import { createCa } from '@/lib/certificates/create-ca';
import { issueServerCertificate } from '@/lib/certificates/issue-server-certificate';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { RawSmtp, transcript } from '@/mail-daemon/testing/smtp';
import { TEST_MASTER_KEY, spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';

const CLI = { kind: 'cli', user: 'test' } as const;
let db: TestDatabase;
let dataDir: string;
let daemon: DaemonProcess;
let imapsPort: number;

/** What a fresh `openssl s_client` is served (SHA-256 fingerprint as Node prints it). */
function sClientFingerprint(port: number, extra: string[] = []): string | null {
  const r = spawnSync('sh', ['-c', `openssl s_client -connect 127.0.0.1:${port} ${extra.join(' ')} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const m = /Fingerprint=([0-9A-F:]+)/.exec(r.stdout);
  return m ? m[1] : null;
}

/** A minimal IMAPS client that keeps its socket (to read the peer certificate) and its lines. */
class Imap {
  lines: string[] = [];
  private buf = '';
  private waiters: (() => void)[] = [];
  constructor(readonly socket: tls.TLSSocket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 2);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async connect(port: number): Promise<Imap> {
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'mx.postern.test', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const c = new Imap(socket);
    await c.until(/^\* OK/);
    return c;
  }
  async until(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex((l) => re.test(l));
      if (i >= 0) return this.lines.splice(0, i + 1)[i];
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; have ${this.lines.join(' | ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }
}

beforeAll(async () => {
  // The test seals keys exactly as the daemon unseals them.
  process.env.POSTERN_SECRET = TEST_MASTER_KEY;
  process.env.POSTERN_HOSTNAME = 'mx.postern.test';
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-rotation-'));
  imapsPort = await freePort();
  daemon = await spawnDaemon(db.url, dataDir, { POSTERN_IMAPS_PORT: String(imapsPort) });
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('certificate rotation in a running daemon', { timeout: 120_000 }, () => {
  it('activate → new handshakes on SMTP STARTTLS, submissions and IMAPS see the new certificate within 5 s; open IMAP IDLE and SMTP sessions keep working', async () => {
    const old = await db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    expect(old.source).toBe('SELF_SIGNED');
    expect(sClientFingerprint(imapsPort, ['-servername', 'mx.postern.test'])).toBe(old.fingerprintSha256);

    // Sessions opened before the rotation.
    const imap = await Imap.connect(imapsPort);
    expect(imap.socket.getPeerCertificate().fingerprint256).toBe(old.fingerprintSha256);
    imap.send(`a1 LOGIN alice@example.test ${PASSWORD}`);
    await imap.until(/^a1 OK/);
    imap.send('a2 SELECT INBOX');
    await imap.until(/^a2 OK/);
    imap.send('a3 IDLE');
    await imap.until(/^\+ /);

    const { client: smtp } = await RawSmtp.connect(daemon.ports.mx);
    await transcript(smtp, [['EHLO client.test', 250], ['STARTTLS', 220]]);
    const smtpTls = await smtp.upgrade();
    expect(smtpTls.getPeerCertificate().fingerprint256).toBe(old.fingerprintSha256);
    await transcript(smtp, [['EHLO client.test', 250], ['MAIL FROM:<sender@remote.test>', 250]]);

    // Rotate: a CA, a certificate for the daemon's name, activate.
    await createCa(db.prisma, CLI, { commonName: 'Rotation Test CA' });
    const fresh = await issueServerCertificate(db.prisma, CLI, { hosts: ['mx.postern.test', 'imap.postern.test'] });
    const t0 = Date.now();
    await activateCertificate(db.prisma, CLI, fresh.id);

    const seen: Record<string, number> = {};
    const probes: [string, () => string | null][] = [
      ['smtp-starttls', () => sClientFingerprint(daemon.ports.mx, ['-starttls', 'smtp', '-servername', 'mx.postern.test'])],
      ['submissions', () => sClientFingerprint(daemon.ports.submissions, ['-servername', 'mx.postern.test'])],
      ['imaps', () => sClientFingerprint(imapsPort, ['-servername', 'mx.postern.test'])],
      ['imaps-no-sni', () => sClientFingerprint(imapsPort, ['-noservername'])],
      ['submission-starttls', () => sClientFingerprint(daemon.ports.submission, ['-starttls', 'smtp', '-noservername'])],
    ];
    while (Object.keys(seen).length < probes.length && Date.now() - t0 < 10_000) {
      for (const [name, probe] of probes) if (!(name in seen) && probe() === fresh.fingerprintSha256) seen[name] = Date.now() - t0;
    }
    console.log('rotation: first new-certificate handshake after activate (ms):', seen);
    for (const [name] of probes) {
      expect(seen[name], name).toBeDefined();
      expect(seen[name], name).toBeLessThan(5000);
    }
    expect((await db.prisma.certificate.findUniqueOrThrow({ where: { id: old.id } })).status).toBe('RETIRED');

    // The sessions opened before still work, on their original handshake.
    expect(imap.socket.getPeerCertificate().fingerprint256).toBe(old.fingerprintSha256);
    expect(smtpTls.getPeerCertificate().fingerprint256).toBe(old.fingerprintSha256);
    await transcript(smtp, [['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    const accepted = await smtp.cmd('Subject: after rotation\r\n\r\nsent on a session opened before the rotation\r\n.');
    expect(accepted.code).toBe(250);
    await imap.until(/^\* 1 EXISTS/); // IDLE saw the delivery
    imap.send('DONE');
    await imap.until(/^a3 OK/);
    imap.send('a4 FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    await imap.until(/after rotation/);
    await imap.until(/^a4 OK/);
    imap.send('a5 LOGOUT');
    await imap.until(/^a5 OK/);
    await transcript(smtp, [['QUIT', 221]]);

    // The daemon reports what it serves now (the dashboard's per-daemon fingerprint).
    await expect
      .poll(async () => ((await db.prisma.daemonStatus.findFirst())?.details as { tlsFingerprint?: string } | undefined)?.tlsFingerprint, { timeout: 10_000 })
      .toBe(fresh.fingerprintSha256);
  });

  it('several ACTIVE certificates: SNI picks per host name, the newest is the default, and a revoked one stops being served', async () => {
    const mx = await db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    const other = await issueServerCertificate(db.prisma, CLI, { hosts: ['mail.other.test'], keySpec: 'rsa-3072' });
    const t0 = Date.now();
    await activateCertificate(db.prisma, CLI, other.id);
    // Different names: the first certificate stays ACTIVE.
    expect((await db.prisma.certificate.findUniqueOrThrow({ where: { id: mx.id } })).status).toBe('ACTIVE');
    const sni = (name: string) => sClientFingerprint(imapsPort, ['-servername', name]);
    while (sni('mail.other.test') !== other.fingerprintSha256 && Date.now() - t0 < 10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(sni('mail.other.test')).toBe(other.fingerprintSha256);
    expect(sni('mx.postern.test')).toBe(mx.fingerprintSha256);
    expect(sClientFingerprint(imapsPort, ['-noservername'])).toBe(other.fingerprintSha256); // newest activated = default
    expect(sClientFingerprint(daemon.ports.mx, ['-starttls', 'smtp', '-servername', 'mail.other.test'])).toBe(other.fingerprintSha256);
    expect(sClientFingerprint(daemon.ports.mx, ['-starttls', 'smtp', '-servername', 'mx.postern.test'])).toBe(mx.fingerprintSha256);

    // Revoking the newer one retires it and the daemons stop serving it.
    const { revokeServerCertificate } = await import('@/lib/certificates/revoke');
    const t1 = Date.now();
    await revokeServerCertificate(db.prisma, CLI, { id: other.id, reason: 1 });
    while (sni('mail.other.test') !== mx.fingerprintSha256 && Date.now() - t1 < 10_000);
    expect(Date.now() - t1).toBeLessThan(5000);
  });
});
