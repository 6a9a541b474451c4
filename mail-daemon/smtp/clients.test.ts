// Real clients: nodemailer (STARTTLS on MX and submission, implicit TLS on submissions,
// AUTH PLAIN and LOGIN) and Debian's swaks (RFC 3207 and policy cases).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { RawSmtp, startSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';

const exec = promisify(execFile);
let db: TestDatabase;
let smtp: RunningSmtp;
const tlsOpts = { rejectUnauthorized: false, servername: 'mx.postern.test' };

async function inbox(address: string): Promise<string[]> {
  const r = await smtp.pool.query<{ raw: Buffer }>(
    `SELECT b.raw FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes mb ON mb.id = f.mailbox_id
       JOIN mail_blobs b ON b.id = m.blob_id WHERE mb.address = $1 ORDER BY m.uid`,
    [address],
  );
  return r.rows.map((row) => row.raw.toString());
}

async function swaks(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec('swaks', ['--server', '127.0.0.1', '--helo', 'client.test', '--timeout', '20', ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
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

describe('nodemailer', () => {
  it('MX with STARTTLS (requireTLS), no AUTH', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.ports.mx, requireTLS: true, tls: tlsOpts, name: 'client.test' });
    const info = await t.sendMail({ from: 'x@sender.test', to: 'dave@example.test', subject: 'nm mx', text: 'hi' });
    expect(info.accepted).toEqual(['dave@example.test']);
    expect((await inbox('dave@example.test')).some((m) => m.includes('Subject: nm mx') && m.includes('with ESMTPS id'))).toBe(true);
  });

  it.each([
    ['submission, STARTTLS, AUTH PLAIN', { port: 'submission', secure: false, authMethod: 'PLAIN' }],
    ['submission, STARTTLS, AUTH LOGIN', { port: 'submission', secure: false, authMethod: 'LOGIN' }],
    ['submissions, implicit TLS, AUTH PLAIN', { port: 'submissions', secure: true, authMethod: 'PLAIN' }],
  ] as const)('%s', async (name, o) => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1', port: smtp.ports[o.port], secure: o.secure, requireTLS: !o.secure, tls: tlsOpts, name: 'client.test',
      auth: { user: 'alice@example.test', pass: PASSWORD }, authMethod: o.authMethod,
    });
    const info = await t.sendMail({ from: 'alice@example.test', to: 'dave@example.test', subject: name, text: 'hi' });
    expect(info.response).toMatch(/^250 2\.6\.0 /);
    const msg = (await inbox('dave@example.test')).find((m) => m.includes(`Subject: ${name}`))!;
    expect(msg).toMatch(/with ESMTPSA id \w+\r\n\tfor <dave@example\.test> tls TLS_/);
  });

  it('refuses to authenticate in cleartext on submission', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.ports.submission, ignoreTLS: true, name: 'client.test', auth: { user: 'alice@example.test', pass: PASSWORD } });
    await expect(t.sendMail({ from: 'alice@example.test', to: 'dave@example.test', subject: 'clear', text: 'hi' })).rejects.toThrow();
  });
});

describe("Python's smtplib", () => {
  const script = `
import smtplib, ssl, sys
mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
msg = "From: %s\\r\\nTo: dave@example.test\\r\\nSubject: smtplib %s\\r\\n\\r\\nhi\\r\\n" % (user, mode)
if mode == "implicit":
    s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx)
else:
    s = smtplib.SMTP("127.0.0.1", port)
    s.ehlo()
    if mode == "cleartext-auth":
        try:
            s.login(user, password)
            print("LOGGED IN IN CLEARTEXT"); sys.exit(1)
        except smtplib.SMTPNotSupportedError:
            print("no AUTH before TLS"); sys.exit(0)
    s.starttls(context=ctx)
    s.ehlo()
s.login(user, password)
print(s.sendmail(user, ["dave@example.test"], msg) or "sent")
s.quit()
`;
  const py = (...args: string[]) => exec('python3', ['-c', script, ...args]).then((r) => r.stdout.trim());

  it('STARTTLS + login on submission, SMTP_SSL + login on submissions, no login before TLS', async () => {
    expect(await py('starttls', String(smtp.ports.submission), 'alice@example.test', PASSWORD)).toBe('sent');
    expect(await py('implicit', String(smtp.ports.submissions), 'alice@example.test', PASSWORD)).toBe('sent');
    expect(await py('cleartext-auth', String(smtp.ports.submission), 'alice@example.test', PASSWORD)).toBe('no AUTH before TLS');
    const got = await inbox('dave@example.test');
    expect(got.some((m) => m.includes('Subject: smtplib starttls') && /with ESMTPSA id \w+\r\n\tfor <dave@example\.test> tls TLS_/.test(m))).toBe(true);
    expect(got.some((m) => m.includes('Subject: smtplib implicit'))).toBe(true);
  });
});

describe('swaks (Debian)', () => {
  it('RFC 3207 on MX: 220 to go ahead, TLS, mail delivered', async () => {
    const r = await swaks(['--port', String(smtp.ports.mx), '--tls', '--from', 's@sender.test', '--to', 'alice@example.test', '--header', 'Subject: swaks mx']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/<- {2}220 2\.0\.0 Ready to start TLS|<- {2}220 Ready to start TLS/);
    expect(r.out).toContain('TLS started with cipher TLSv1.3');
    expect(r.out).toMatch(/<~ {2}250 2\.6\.0 Message accepted, queued as \w+/);
  });

  it('submission: STARTTLS then AUTH PLAIN; submissions: implicit TLS then AUTH LOGIN', async () => {
    const sub = await swaks(['--port', String(smtp.ports.submission), '--tls', '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', PASSWORD,
      '--from', 'alice@example.test', '--to', 'dave@example.test', '--header', 'Subject: swaks submission']);
    expect(sub.code).toBe(0);
    expect(sub.out).toMatch(/<~ {2}235 2\.7\.0/);
    const subs = await swaks(['--port', String(smtp.ports.submissions), '--tlsc', '--auth', 'LOGIN', '--auth-user', 'alice@example.test', '--auth-password', PASSWORD,
      '--from', 'alice@example.test', '--to', 'dave@example.test', '--header', 'Subject: swaks submissions']);
    expect(subs.code).toBe(0);
    expect(subs.out).not.toContain('STARTTLS');
  });

  it('no AUTH before TLS: not advertised, and refused with 530 5.7.0 when forced', async () => {
    const r = await swaks(['--port', String(smtp.ports.submission), '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', PASSWORD,
      '--from', 'alice@example.test', '--to', 'dave@example.test']);
    expect(r.code).not.toBe(0);
    expect(r.out).not.toMatch(/250[- ]AUTH/);
    const forced = await swaks(['--port', String(smtp.ports.submission), '--from', 'alice@example.test', '--to', 'dave@example.test']);
    expect(forced.out).toContain('530 5.7.0 Must issue a STARTTLS command first');
  });

  it('no relay: 554 5.7.1 for a stranger', async () => {
    const r = await swaks(['--port', String(smtp.ports.mx), '--tls', '--from', 'spam@spam.test', '--to', 'victim@elsewhere.test']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('554 5.7.1 Relay access denied');
  });

  it('requireTlsMx: 530 5.7.0 without STARTTLS, accepted with it', async () => {
    await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { requireTlsMx: true } });
    try {
      await expect
        .poll(async () => (await swaks(['--port', String(smtp.ports.mx), '--from', 's@sender.test', '--to', 'alice@example.test'])).out)
        .toContain('530 5.7.0 Must issue a STARTTLS command first');
      const ok = await swaks(['--port', String(smtp.ports.mx), '--tls', '--from', 's@sender.test', '--to', 'alice@example.test']);
      expect(ok.code).toBe(0);
    } finally {
      await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: {} });
    }
  });

  it('STARTTLS with a parameter: 501 (raw, swaks cannot send it)', async () => {
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    await client.cmd('EHLO client.test');
    const r = await client.cmd('STARTTLS please');
    expect(r.code).toBe(501);
    client.close();
  });
});
