// Mail sent through Postern's real SMTP listeners (nodemailer over STARTTLS, implicit TLS and
// cleartext): the recorded figures equal what was sent, and our own Received header parses back to
// the session's facts.
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { startSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { parseHops } from '@/lib/received';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { clientTls, defaultRange, overview } from '@/lib/tls-stats';

let db: TestDatabase;
let smtp: RunningSmtp;
const tlsOpts = { rejectUnauthorized: false, servername: 'mx.postern.test' };

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  smtp = await startSmtp(db.url);
  const mx = (opts: object) => nodemailer.createTransport({ host: '127.0.0.1', port: smtp.ports.mx, tls: tlsOpts, name: 'client.test', ...opts });
  // 2 × STARTTLS on MX, 1 × cleartext on MX, 1 × implicit TLS submission with AUTH
  for (const i of [1, 2]) {
    await mx({ requireTLS: true }).sendMail({ from: `s${i}@tls-sender.test`, to: 'dave@example.test', subject: `starttls ${i}`, text: 'hi' });
  }
  await mx({ ignoreTLS: true }).sendMail({ from: 'x@clear-sender.test', to: 'dave@example.test', subject: 'cleartext', text: 'hi' });
  await nodemailer
    .createTransport({ host: '127.0.0.1', port: smtp.ports.submissions, secure: true, tls: tlsOpts, name: 'client.test', auth: { user: 'alice@example.test', pass: PASSWORD } })
    .sendMail({ from: 'alice@example.test', to: 'dave@example.test', subject: 'implicit', text: 'hi' });
}, 120_000);

afterAll(async () => {
  await smtp?.stop();
  await db?.drop();
});

describe('figures equal what was sent', () => {
  it('counts 4 messages, 3 over TLS on our hop, 1 cleartext sender', async () => {
    const o = await overview(smtp.pool, { ...defaultRange(2), scopeDomainIds: null });
    expect(o.totals).toEqual({ messages: 4, ourTls: 3, pathTls: 3 });
    const versions = Object.fromEntries(o.versions.map((v) => [v.version, v.messages]));
    expect(versions.none).toBe(1);
    expect((versions['TLSv1.3'] ?? 0) + (versions['TLSv1.2'] ?? 0)).toBe(3);
    expect(o.weakDomains).toEqual([{ senderDomain: 'clear-sender.test', messages: 1, cleartext: 1, belowTls12: 0 }]);
    const submission = await overview(smtp.pool, { ...defaultRange(2), scopeDomainIds: null, direction: 'submission' });
    expect(submission.totals).toEqual({ messages: 1, ourTls: 1, pathTls: 1 });
  });

  it('records the submission login TLS for alice', async () => {
    const rows = await clientTls(smtp.pool, { since: defaultRange(2).from, scopeDomainIds: null });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ address: 'alice@example.test', service: 'submission', logins: 1 });
    expect(rows[0].tlsVersion).toMatch(/^TLSv1\.[23]$/);
  });

  it('parses our own Received header back to the receipt facts', async () => {
    const r = (
      await smtp.pool.query(
        `SELECT b.raw, s.tls_version, s.tls_cipher, s.queue_id FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id ORDER BY s.received_at`,
      )
    ).rows;
    expect(r).toHaveLength(4);
    for (const row of r) {
      const top = parseHops(row.raw)[0];
      expect(top.id).toBe(row.queue_id);
      expect(top.by).toBe('mx.postern.test');
      expect(top.tls.used).toBe(row.tls_version !== null);
      if (row.tls_version) {
        expect(top.tls.version).toBe(row.tls_version === 'TLSv1' ? 'TLSv1.0' : row.tls_version);
        expect(top.tls.cipher).toBe(row.tls_cipher);
      }
    }
  });
});
