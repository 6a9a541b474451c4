// The real daemon as a child process: kill -9 right after a 250 loses nothing, and the
// end-to-end path CLI → SMTP (nodemailer, STARTTLS) → Postgres with its Received header.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { RawSmtp, transcript } from '@/mail-daemon/testing/smtp';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';

const run = promisify(execFile);
let db: TestDatabase;
let dataDir: string;
const daemons: DaemonProcess[] = [];

async function start(): Promise<DaemonProcess> {
  const d = await spawnDaemon(db.url, dataDir);
  daemons.push(d);
  return d;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-smtp-daemon-'));
});
afterAll(async () => {
  for (const d of daemons) if (d.child.exitCode === null) d.child.kill('SIGKILL');
  await Promise.all(daemons.map((d) => d.exited));
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the daemon process', { timeout: 90_000 }, () => {
  it('creates one self-signed certificate and reports the served fingerprint', async () => {
    const d = await start();
    const cert = await db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    expect(cert).toMatchObject({ source: 'SELF_SIGNED', hosts: ['mx.postern.test'] });
    await expect
      .poll(async () => ((await db.prisma.daemonStatus.findFirst())?.details as { tlsFingerprint?: string } | undefined)?.tlsFingerprint)
      .toBe(cert.fingerprintSha256);
    const { client } = await RawSmtp.connect(d.ports.mx);
    await transcript(client, [['EHLO client.test', 250], ['STARTTLS', 220]]);
    const tls = await client.upgrade();
    expect(tls.getPeerCertificate().fingerprint256).toBe(cert.fingerprintSha256);
    client.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('kill -9 right after the 250: the message is there after a restart', async () => {
    await seedDirectory(db.prisma);
    const d = await start();
    const { client } = await RawSmtp.connect(d.ports.mx);
    await transcript(client, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    const reply = await client.cmd('Subject: crash test\r\n\r\nsurvives kill -9\r\n.');
    d.child.kill('SIGKILL');
    expect(reply.code).toBe(250);
    const queueId = /queued as (\w+)/.exec(reply.text)![1];
    expect(await d.exited).toBe(null);
    const again = await start(); // up and serving again
    const found = await db.prisma.$queryRaw<{ raw: Uint8Array; address: string }[]>`
      SELECT b.raw, mb.address FROM smtp_receipts s
        JOIN mail_blobs b ON b.id = s.blob_id
        JOIN mail_messages m ON m.blob_id = b.id
        JOIN mail_folders f ON f.id = m.folder_id
        JOIN mailboxes mb ON mb.id = f.mailbox_id
       WHERE s.queue_id = ${queueId}`;
    expect(found).toHaveLength(1);
    expect(found[0].address).toBe('alice@example.test');
    expect(Buffer.from(found[0].raw).toString()).toContain('survives kill -9');
    again.child.kill('SIGTERM');
    await again.exited;
  });

  it('end to end: mailbox created with the CLI, mail sent with nodemailer over STARTTLS, read back from the database', async () => {
    const cli = path.resolve(import.meta.dirname, '../../lib/cli/bin.js');
    const env = { ...process.env, DATABASE_URL: db.url };
    await run(process.execPath, [cli, 'domain', 'add', 'e2e.test'], { env });
    await run(process.execPath, [cli, 'mailbox', 'add', 'erin@e2e.test', '--password', PASSWORD], { env });
    const d = await start();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: d.ports.mx, secure: false, requireTLS: true, tls: { rejectUnauthorized: false, servername: 'mx.postern.test' }, name: 'sender.e2e' });
    const info = await transport.sendMail({ from: 'someone@sender.test', to: 'erin@e2e.test', subject: 'end to end', text: 'hello erin' });
    expect(info.response).toMatch(/^250 2\.6\.0 Message accepted, queued as \w+$/);
    const queueId = /queued as (\w+)/.exec(info.response)![1];
    const rows = await db.prisma.$queryRaw<{ raw: Uint8Array }[]>`
      SELECT b.raw FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes mb ON mb.id = f.mailbox_id
        JOIN mail_blobs b ON b.id = m.blob_id WHERE mb.address = 'erin@e2e.test' AND f.name = 'INBOX'`;
    expect(rows).toHaveLength(1);
    const text = Buffer.from(rows[0].raw).toString();
    expect(text).toMatch(/^Return-Path: <someone@sender\.test>\r\nAuthentication-Results: mx\.postern\.test;(?:\r\n\t[^\r]*)+\r\nReceived: from sender\.e2e \([^)]+ \[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)\)\r\n\tby mx\.postern\.test \(Postern\) with ESMTPS id (\w+)\r\n\tfor <erin@e2e\.test> tls TLS_\w+; /);
    expect(text).toContain(`ESMTPS id ${queueId}`);
    expect(text).toContain('Subject: end to end');
    d.child.kill('SIGTERM');
    await d.exited;
  });
});
