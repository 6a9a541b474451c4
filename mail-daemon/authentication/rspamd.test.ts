// rspamd in the loop (POSTERN_RSPAMD_URL): Debian's rspamd on loopback scans every message
// from strangers before the 250, after the authentication checks. Its actions: reject → 550
// 5.7.1, soft reject and greylist → 451 4.7.1 (the client tries again later), add header and
// rewrite subject → Junk with X-Spam headers, no action → INBOX; unreachable → 451 4.7.1. GTUBE
// and its test siblings give reject, add header and rewrite subject; a test header field gives
// soft reject and greylist through the test rspamd's multimap and force_actions rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { seedDirectory } from '@/mail-daemon/testing/directory';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { FORCE_GREYLIST, FORCE_SOFT_REJECT, GTUBE, GTUBE_ADD_HEADER, GTUBE_REWRITE_SUBJECT, startRspamd, type TestRspamd } from '@/mail-daemon/testing/rspamd';
import { RawSmtp, startSmtp, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let db: TestDatabase;
let dns: RunningDnsServer;
let rspamd: TestRspamd;
let smtp: RunningSmtp;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  dns = await startDnsServer({ zones: { 'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } } });
  rspamd = await startRspamd();
  // The service builds its own filter from the environment, as the daemon does.
  smtp = await startSmtp(db.url, { env: { POSTERN_DNS_SERVERS: dns.server, POSTERN_RSPAMD_URL: rspamd.url, POSTERN_RSPAMD_PASSWORD: rspamd.password } });
});

afterAll(async () => {
  await smtp?.stop();
  await rspamd?.stop();
  await dns?.close();
  await db?.drop();
});

async function send(body: string, extra = ''): Promise<{ code: number; text: string; queueId: string | null; messageId: string }> {
  const { client } = await RawSmtp.connect(smtp.ports.mx);
  const messageId = `${Math.random().toString(36).slice(2)}@sender.test`;
  try {
    await transcript(client, [['EHLO client.test', 250], ['MAIL FROM:<x@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    client.write(`${extra}From: <x@sender.test>\r\nTo: <alice@example.test>\r\nSubject: scan\r\nMessage-ID: <${messageId}>\r\n\r\n${body}\r\n.\r\n`);
    const r = await client.read();
    return { code: r.code, text: r.text, queueId: /queued as (\S+)/.exec(r.text)?.[1] ?? null, messageId };
  } finally {
    client.close();
  }
}

/** How many stored messages (delivered or queued, each is a blob) carry this Message-ID. */
async function copies(messageId: string): Promise<number> {
  const r = await smtp.pool.query(`SELECT count(*)::int AS n FROM mail_blobs WHERE position($1::bytea IN raw) > 0`, [Buffer.from(`<${messageId}>`)]);
  return r.rows[0].n;
}

async function stored(queueId: string) {
  const r = await smtp.pool.query(
    `SELECT s.spam_action, s.spam_score, s.spam_symbols, s.disposition, s.disposition_reason, s.spf_result, b.raw,
            (SELECT f.special_use FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE m.blob_id = s.blob_id) AS folder
       FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1`,
    [queueId],
  );
  return r.rows[0];
}

describe('rspamd actions (https://rspamd.com/doc/configuration/metrics.html#actions)', () => {
  it('reject (GTUBE): 550 5.7.1 after DATA, nothing stored', async () => {
    const sent = await send(GTUBE);
    expect(sent.code).toBe(550);
    expect(sent.text.startsWith('5.7.1 ')).toBe(true);
    expect(await copies(sent.messageId)).toBe(0);
  });

  // RFC 5321 §4.2.5: a 4yz reply after the final dot means the message is not ours; the client keeps it and tries again.
  const deferred: [action: string, field: string][] = [
    ['soft reject', FORCE_SOFT_REJECT],
    ['greylist', FORCE_GREYLIST],
  ];
  it.each(deferred)('%s: 451 4.7.1 at the end of DATA, nothing stored', async (action, field) => {
    const sent = await send('An ordinary message, deferred by the filter.', `${field}\r\n`);
    expect(sent.code).toBe(451);
    expect(sent.text).toBe('4.7.1 Message deferred by the spam filter, try again later');
    expect(sent.queueId).toBeNull();
    expect(await copies(sent.messageId)).toBe(0);
    // rspamd itself chose the action: its log line for this message names it.
    expect(await rspamd.logLine(new RegExp(sent.messageId))).toContain(`(${action}): [`);
  });

  it('add header: into Junk with X-Spam-Status and X-Spam-Score (the sender\'s own removed), the score and symbols in the receipt', async () => {
    const sent = await send(GTUBE_ADD_HEADER, 'X-Spam-Status: No, score=-10.00\r\nX-Spam-Score: -10.00\r\n');
    expect(sent.code).toBe(250);
    const row = await stored(sent.queueId!);
    expect(row).toMatchObject({ spam_action: 'add header', disposition: 'junk', disposition_reason: 'rspamd=add header', folder: '\\Junk', spf_result: 'pass' });
    expect(row.spam_score).toBeGreaterThanOrEqual(6);
    expect(Object.keys(row.spam_symbols)).toContain('GTUBE');
    const header = (row.raw as Buffer).toString('latin1').split('\r\n\r\n')[0];
    expect(header).toMatch(/\r\nX-Spam-Status: Yes, score=\d+\.\d\d required=\d+\.\d\d action=add header\r\n/);
    expect(header).toMatch(/\r\nX-Spam-Score: \d+\.\d\d\r\n/);
    expect(header.match(/^X-Spam-(Status|Score):/gm)).toHaveLength(2);
    expect(header).not.toContain('-10.00');
  });

  it('rewrite subject: into Junk like add header, flagged in X-Spam-Status', async () => {
    const sent = await send(GTUBE_REWRITE_SUBJECT);
    expect(sent.code).toBe(250);
    const row = await stored(sent.queueId!);
    expect(row).toMatchObject({ spam_action: 'rewrite subject', disposition: 'junk', disposition_reason: 'rspamd=rewrite subject', folder: '\\Junk' });
    expect((row.raw as Buffer).toString('latin1')).toMatch(/\r\nX-Spam-Status: Yes, score=\d+\.\d\d required=\d+\.\d\d action=rewrite subject\r\n/);
  });

  it('no action: INBOX, X-Spam-Status: No', async () => {
    const sent = await send('An ordinary message.');
    expect(sent.code).toBe(250);
    const row = await stored(sent.queueId!);
    expect(row).toMatchObject({ spam_action: 'no action', disposition: 'inbox', folder: null });
    expect((row.raw as Buffer).toString('latin1')).toContain('\r\nX-Spam-Status: No, score=');
  });

  it('rspamd unreachable: 451 4.7.1, nothing judged goes through unjudged', async () => {
    await rspamd.stop();
    const sent = await send('An ordinary message.');
    expect(sent.code).toBe(451);
    expect(sent.text.startsWith('4.7.1 ')).toBe(true);
  });
});
