// The checks on arrival at the MX port, end to end: the real SMTP service over a test database,
// a loopback DNS server publishing SPF, DKIM and DMARC records, and dkimpy (python3-dkim) as an
// independent DKIM and ARC signer. One table per RFC clause.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createResolver } from '@/lib/dns/resolver';
import { createLogger } from '@/lib/log';
import { getEffectivePolicy, updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { dkimpyArcSign, dkimpySign, rsaKey } from '@/mail-daemon/testing/dkimpy';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { RawSmtp, startSmtp, submissionSession, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { ArrivalFilter } from './filter';

const HOST = 'mx.postern.test';
const dkimKey = rsaKey();
const arcKey = rsaKey();

let db: TestDatabase;
let dns: RunningDnsServer;
let pool: pg.Pool;
let smtp: RunningSmtp;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  const other = await db.prisma.domain.findUniqueOrThrow({ where: { name: 'other.test' } });
  // 127.0.0.5 is a relay network: never judged, not even when a blocklist lists it.
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { dnsblZones: ['bl.test'], relayNetworks: ['127.0.0.5/32'] } });
  // other.test refuses an SPF fail outright (spfFailAction reject); example.test keeps the default (junk).
  await updatePolicy(db.prisma, SYSTEM, { domainId: other.id, settings: { spfFailAction: 'reject' } });
  dns = await startDnsServer({
    zones: {
      'signed.test': { TXT: ['v=spf1 -all'] },
      'sel._domainkey.signed.test': { TXT: [dkimKey.record] },
      '_dmarc.signed.test': { TXT: ['v=DMARC1; p=reject'] },
      'spfpass.test': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] },
      'spffail.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
      'spfsoft.test': { TXT: ['v=spf1 ~all'] },
      'mail.spfpass.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'], A: ['127.0.0.1'] },
      'reject.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
      '_dmarc.reject.test': { TXT: ['v=DMARC1; p=reject'] },
      'quarantine.test': { TXT: ['v=spf1 ?all'] },
      '_dmarc.quarantine.test': { TXT: ['v=DMARC1; p=quarantine'] },
      'aligned.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
      '_dmarc.aligned.test': { TXT: ['v=DMARC1; p=reject; aspf=r'] },
      'fwd.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
      'arc._domainkey.fwd.test': { TXT: [arcKey.record] },
      'slow.test': { silent: true },
      // A signer whose key record never answers; its SPF passes and it publishes no DMARC record.
      'keyslow.test': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] },
      'sel._domainkey.keyslow.test': { silent: true },
      '_dmarc.slow.test': { silent: true },
      // RFC 5782 §2.1: 127.0.0.2 listed; 127.0.0.3's answer is the list's own error code.
      '2.0.0.127.bl.test': { A: ['127.0.0.2'], TXT: ['listed for testing'] },
      '3.0.0.127.bl.test': { A: ['127.255.255.254'] },
      '4.0.0.127.bl.test': { silent: true },
      '5.0.0.127.bl.test': { A: ['127.0.0.2'] },
      // RFC 7489 §6.3 sp: the subdomain policy applies to sub.parent.test, p to parent.test itself.
      '_dmarc.parent.test': { TXT: ['v=DMARC1; p=none; sp=reject'] },
    },
  });
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => {});
  // Short DNS limits so a silent server is a temperror within a second.
  const filter = new ArrivalFilter({
    pool,
    resolver: createResolver({ servers: [dns.server], timeoutMs: 2_000 }),
    hostname: HOST,
    policy: (id) => getEffectivePolicy(db.prisma, id),
    rspamd: null,
    log: createLogger('arrival-test', 'silent'),
    limits: { authentication: { lookupMs: 300, totalMs: 1_000 }, dnsbl: { lookupMs: 300, totalMs: 500 } },
  });
  smtp = await startSmtp(db.url, { hostname: HOST, filter });
});

afterAll(async () => {
  await smtp?.stop();
  await pool?.end();
  await dns?.close();
  await db?.drop();
});

function message(from: string, extra: string[] = [], body = 'Hello.\r\n'): Buffer {
  return Buffer.from(
    [...extra, `From: <${from}>`, 'To: <alice@example.test>', 'Subject: checks on arrival', `Message-ID: <${Math.random().toString(36).slice(2)}@test>`, 'Date: Wed, 02 Dec 2026 12:00:00 +0000', '', body].join('\r\n'),
  );
}

interface Sent {
  code: number;
  text: string;
  queueId: string | null;
}

async function send(mailFrom: string, raw: Buffer, opts: { to?: string; helo?: string; port?: number } = {}): Promise<Sent> {
  const { client } = await RawSmtp.connect(opts.port ?? smtp.ports.mx);
  try {
    await transcript(client, [[`EHLO ${opts.helo ?? 'client.test'}`, 250], [`MAIL FROM:<${mailFrom}>`, 250], [`RCPT TO:<${opts.to ?? 'alice@example.test'}>`, 250], ['DATA', 354]]);
    client.write(Buffer.concat([raw, Buffer.from('.\r\n')]));
    const r = await client.read();
    return { code: r.code, text: r.text, queueId: /queued as (\S+)/.exec(r.text)?.[1] ?? null };
  } finally {
    client.close();
  }
}

interface Receipt {
  spf_result: string | null;
  dkim_result: string | null;
  dmarc_result: string | null;
  arc_result: string | null;
  from_domain: string | null;
  disposition: string;
  disposition_reason: string | null;
  auth_results_header: string | null;
  auth_results: Record<string, unknown> | null;
  raw: Buffer;
  folder: string | null;
}

async function receipt(queueId: string): Promise<Receipt> {
  const r = await pool.query<Receipt>(
    `SELECT s.*, b.raw, (SELECT f.special_use FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE m.blob_id = s.blob_id LIMIT 1) AS folder
       FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1`,
    [queueId],
  );
  return r.rows[0];
}

const topFields = (raw: Buffer) => raw.toString('latin1').split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ').split('\r\n');

describe('RFC 7208 SPF (MAIL FROM §2.4, HELO §2.3), results in Authentication-Results (RFC 8601 §2.7.2)', () => {
  const rows: [clause: string, mailFrom: string, spf: string, code: number, folder: string | null][] = [
    ['§8.3 pass: the domain lists the client', 'x@spfpass.test', 'pass', 250, null],
    ['§8.4 fail: -all, no DKIM; example.test policy spfFailAction junk', 'x@spffail.test', 'fail', 250, '\\Junk'],
    ['§8.5 softfail: ~all is noted only', 'x@spfsoft.test', 'softfail', 250, null],
    ['§8.1 none: no record', 'x@nothing.test', 'none', 250, null],
  ];
  it.each(rows)('%s', async (_clause, mailFrom, spf, code, folder) => {
    const sent = await send(mailFrom, message(mailFrom));
    expect(sent.code).toBe(code);
    const r = await receipt(sent.queueId!);
    expect(r.spf_result).toBe(spf);
    expect(r.folder).toBe(folder);
    expect(r.auth_results_header).toContain(`spf=${spf}`);
    expect(r.auth_results_header).toContain(`smtp.mailfrom=${mailFrom}`);
  });

  it('§2.3 the HELO identity is checked too and reported with smtp.helo', async () => {
    const sent = await send('x@spfsoft.test', message('x@spfsoft.test'), { helo: 'mail.spfpass.test' });
    const r = await receipt(sent.queueId!);
    expect(r.auth_results_header).toMatch(/spf=pass[^;]*smtp\.helo=mail\.spfpass\.test/);
    expect(r.auth_results_header).toMatch(/spf=softfail[^;]*smtp\.mailfrom=x@spfsoft\.test/);
  });

  it('§8.4 fail with the recipient domain on spfFailAction reject: 550 5.7.23 (RFC 7372 §3.2)', async () => {
    const sent = await send('x@spffail.test', message('x@spffail.test'), { to: 'carol@other.test' });
    expect(sent.code).toBe(550);
    expect(sent.text.startsWith('5.7.23 ')).toBe(true);
  });
});

describe('RFC 6376 DKIM, RFC 7489 DMARC', () => {
  it('§6.1 a dkimpy signature verifies: dkim=pass with header.d, header.s, header.b; DMARC passes on it although SPF fails', async () => {
    const signed = dkimpySign(message('news@signed.test'), 'signed.test', 'sel', dkimKey);
    const sent = await send('bounce@signed.test', signed);
    expect(sent.code).toBe(250);
    const r = await receipt(sent.queueId!);
    expect(r.dkim_result).toBe('pass');
    expect(r.spf_result).toBe('fail');
    expect(r.dmarc_result).toBe('pass');
    expect(r.folder).toBeNull(); // SPF fail with a passing DKIM signature is not judged (forwarders break SPF)
    expect(r.auth_results_header).toMatch(/dkim=pass[^;]*header\.d=signed\.test[^;]*header\.s=sel[^;]*header\.b=\S{8}/);
    expect(r.auth_results_header).toMatch(/dmarc=pass[^;]*header\.from=signed\.test/);
  });

  it('no signature: dkim=none (RFC 8601 §2.7.1), in the receipt and in Authentication-Results', async () => {
    const sent = await send('x@spfpass.test', message('x@spfpass.test'));
    expect(sent.code).toBe(250);
    const r = await receipt(sent.queueId!);
    expect(r.dkim_result).toBe('none');
    expect(r.auth_results_header).toMatch(/;\s*dkim=none\b/);
    expect(r.auth_results_header).not.toMatch(/dkim=(pass|fail|neutral|temperror|permerror)/);
  });

  it('§6.1.2 the key record lookup times out: dkim=temperror in bounded time, the message accepted', async () => {
    const signed = dkimpySign(message('news@keyslow.test'), 'keyslow.test', 'sel', dkimKey);
    const started = Date.now();
    const sent = await send('x@keyslow.test', signed);
    expect(sent.code).toBe(250);
    expect(Date.now() - started).toBeLessThan(5_000);
    const r = await receipt(sent.queueId!);
    expect(r.dkim_result).toBe('temperror');
    expect(r.auth_results_header).toMatch(/dkim=temperror[^;]*header\.d=keyslow\.test[^;]*header\.s=sel/);
    expect(r.spf_result).toBe('pass');
    expect(r.folder).toBeNull();
  });

  it('§6.1 a body changed after signing: dkim fails, DMARC fails, p=reject → 550 5.7.1', async () => {
    const signed = dkimpySign(message('news@signed.test'), 'signed.test', 'sel', dkimKey);
    const tampered = Buffer.from(signed.toString('latin1').replace('Hello.', 'Hullo.'), 'latin1');
    const sent = await send('bounce@signed.test', tampered);
    expect(sent.code).toBe(550);
    expect(sent.text.startsWith('5.7.1 ')).toBe(true);
  });

  const rows: [clause: string, mailFrom: string, from: string, dmarc: string, code: number, folder: string | null][] = [
    ['§6.6.3 fail under p=reject: 550 5.7.1 after DATA', 'x@reject.test', 'x@reject.test', 'fail', 550, null],
    ['§6.6.3 fail under p=quarantine: into Junk', 'x@quarantine.test', 'x@quarantine.test', 'fail', 250, '\\Junk'],
    ['§3.1.2 SPF pass on an aligned MAIL FROM domain: pass', 'x@aligned.test', 'y@aligned.test', 'pass', 250, null],
    ['§3.1.2 SPF passes for another domain: not aligned, fail, p=reject', 'x@spfpass.test', 'y@reject.test', 'fail', 550, null],
    ['§6.6.3 no record: none', 'x@spfpass.test', 'y@nothing.test', 'none', 250, null],
    ['§6.3 sp=reject applies to a subdomain: 550', 'x@spfpass.test', 'y@sub.parent.test', 'fail', 550, null],
    ['§6.3 p=none for the organizational domain itself: fail, noted only', 'x@spfpass.test', 'y@parent.test', 'fail', 250, null],
  ];
  it.each(rows)('%s', async (_clause, mailFrom, from, dmarc, code, folder) => {
    const sent = await send(mailFrom, message(from));
    expect(sent.code).toBe(code);
    if (code !== 250) return;
    const r = await receipt(sent.queueId!);
    expect(r.dmarc_result).toBe(dmarc);
    expect(r.from_domain).toBe(from.split('@')[1]);
    expect(r.folder).toBe(folder);
    if (folder) expect(r.disposition_reason).toBe('dmarc=quarantine');
  });
});

describe('RFC 8601 §5: Authentication-Results claiming our authserv-id are forged', () => {
  it('our id removed, a foreign one kept, ours on top next to our Received', async () => {
    const raw = message('x@spfpass.test', [
      `Authentication-Results: ${HOST}; dkim=pass header.d=bank.example`,
      `Authentication-Results: (comment) ${HOST.toUpperCase()} ; spf=pass`,
      'Authentication-Results: other.example; spf=pass smtp.mailfrom=x@spfpass.test',
    ]);
    const sent = await send('x@spfpass.test', raw);
    const fields = topFields((await receipt(sent.queueId!)).raw);
    const ours = fields.filter((f) => /^Authentication-Results: mx\.postern\.test;/i.test(f));
    expect(ours).toHaveLength(1);
    expect(ours[0]).not.toContain('bank.example');
    expect(fields.filter((f) => f.startsWith('Authentication-Results: other.example;'))).toHaveLength(1);
    expect(fields[0]).toMatch(/^Return-Path:/);
    expect(fields[1]).toBe(ours[0]);
    expect(fields[2]).toMatch(/^Received: from client\.test/);
  });
});

describe('RFC 8617 ARC', () => {
  const forwarded = () => {
    const original = message('news@elsewhere.test', ['Authentication-Results: fwd.test; spf=pass smtp.mailfrom=news@elsewhere.test']);
    return dkimpyArcSign(original, 'fwd.test', 'arc', arcKey, 'fwd.test');
  };
  it('§5.2 a chain sealed by dkimpy validates: arc=pass', async () => {
    const sent = await send('list@fwd.test', forwarded());
    const r = await receipt(sent.queueId!);
    expect(r.arc_result).toBe('pass');
    expect(r.auth_results_header).toContain('arc=pass');
  });
  it('§5.2 a chain whose message changed after sealing: arc=fail', async () => {
    const broken = Buffer.from(forwarded().toString('latin1').replace('Hello.', 'Changed.'), 'latin1');
    const sent = await send('list@fwd.test', broken);
    expect((await receipt(sent.queueId!)).arc_result).toBe('fail');
  });
});

describe('DNS failures are temperror in bounded time (RFC 7208 §2.6.6, RFC 7489 §6.6.3)', () => {
  it('a silent server for the sender domain: spf=temperror, dmarc=temperror, the message accepted', async () => {
    const started = Date.now();
    const sent = await send('x@slow.test', message('x@slow.test'));
    expect(sent.code).toBe(250);
    expect(Date.now() - started).toBeLessThan(5_000);
    const r = await receipt(sent.queueId!);
    expect(r.spf_result).toBe('temperror');
    expect(r.dmarc_result).toBe('temperror');
  });
});

describe('RFC 5782 DNS blocklists at connect', () => {
  const rows: [clause: string, local: string, code: number][] = [
    ['§2.1 listed (127.0.0.2): 554 naming the list', '127.0.0.2', 554],
    ['§2.1 not listed (NXDOMAIN): greeted', '127.0.0.1', 220],
    ['127.255.255.254 is the list refusing us, not a listing: greeted', '127.0.0.3', 220],
    ['the list does not answer: greeted (and logged)', '127.0.0.4', 220],
  ];
  it.each(rows)('%s', async (_clause, localAddress, code) => {
    const socket = await RawSmtp.connect(smtp.ports.mx, { localAddress }).catch(() => null);
    expect(socket).not.toBeNull();
    const { client, greeting } = socket!;
    client.close();
    expect(greeting.code).toBe(code);
    if (code === 554) expect(greeting.text).toBe('5.7.1 Client host [127.0.0.2] blocked using bl.test');
  });
});

describe('scope: what is not judged', () => {
  it('a relay network is never judged: greeted although listed, and its mail carries no results', async () => {
    const { client, greeting } = await RawSmtp.connect(smtp.ports.mx, { localAddress: '127.0.0.5' });
    try {
      expect(greeting.code).toBe(220);
      await transcript(client, [['EHLO relay.test', 250], ['MAIL FROM:<x@reject.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
      client.write(Buffer.concat([message('x@reject.test'), Buffer.from('.\r\n')]));
      const r = await client.read();
      expect(r.code).toBe(250);
      expect((await receipt(/queued as (\S+)/.exec(r.text)![1])).dmarc_result).toBeNull();
    } finally {
      client.close();
    }
  });

  it('an authenticated submission is not checked: no results, no refusal under p=reject', async () => {
    const c = await submissionSession(smtp.ports.submission, 'alice@example.test', PASSWORD);
    try {
      await transcript(c, [['MAIL FROM:<alice@example.test>', 250], ['RCPT TO:<dave@example.test>', 250], ['DATA', 354]]);
      c.write(Buffer.concat([message('x@reject.test'), Buffer.from('.\r\n')]));
      const r = await c.read();
      expect(r.code).toBe(250);
      const row = await receipt(/queued as (\S+)/.exec(r.text)![1]);
      expect(row.spf_result).toBeNull();
      expect(row.auth_results_header).toBeNull();
      expect(topFields(row.raw).some((f) => f.startsWith('Authentication-Results:'))).toBe(false);
    } finally {
      c.close();
    }
  });
});
