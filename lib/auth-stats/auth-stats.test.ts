import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prismaSql } from '@/lib/tls-stats/sql';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { authOverview, authStatements, messageAuthenticationOf, type AuthStatsFilter } from '.';

let t: TestDatabase;
let pool: pg.Pool;
const domains: Record<string, string> = {};

interface Seed {
  queueId: string;
  at?: string;
  listener?: string;
  rcpts: string[];
  fromDomain: string | null;
  spf?: string | null;
  dkim?: string | null;
  dmarc?: string | null;
  disposition?: 'inbox' | 'junk';
  reason?: string | null;
}

// What the daemon writes for a message accepted on the MX port, straight into smtp_receipts.
async function receipt(s: Seed): Promise<void> {
  await pool.query(
    `INSERT INTO smtp_receipts (queue_id, received_at, listener, client_ip, helo, mail_from, rcpts, protocol, size,
                                from_domain, spf_result, dkim_result, dmarc_result, disposition, disposition_reason)
     VALUES ($1, $2, $3, '192.0.2.1', 'client.example', 'x@sender.example', $4, 'ESMTP', 100, $5, $6, $7, $8, $9, $10)`,
    [s.queueId, s.at ?? '2026-11-20T10:00:00Z', s.listener ?? 'mx', s.rcpts, s.fromDomain, s.spf ?? null, s.dkim ?? null, s.dmarc ?? null, s.disposition ?? 'inbox', s.reason ?? null],
  );
}

const filter = (over: Partial<AuthStatsFilter> = {}): AuthStatsFilter => ({ from: '2026-11-14', to: '2026-11-20', scopeDomainNames: null, ...over });

beforeAll(async () => {
  t = await createTestDatabase();
  pool = t.pool(4);
  for (const a of ['alice@example.com', 'bob@example.com', 'carol@other.test']) domains[a] = (await createTestMailbox(pool, a)).domainId;
  await receipt({ queueId: 'A1', rcpts: ['alice@example.com'], fromDomain: 'good.example', spf: 'pass', dkim: 'pass', dmarc: 'pass' });
  // Forwarded: SPF broke on the way, DKIM survived, DMARC passes on DKIM.
  await receipt({ queueId: 'A2', rcpts: ['Bob@Example.com'], fromDomain: 'good.example', spf: 'fail', dkim: 'pass', dmarc: 'pass', at: '2026-11-19T23:59:59Z' });
  await receipt({ queueId: 'A3', rcpts: ['alice@example.com'], fromDomain: 'bad.example', spf: 'fail', dkim: 'fail', dmarc: 'fail', disposition: 'junk', reason: 'dmarc=quarantine' });
  await receipt({ queueId: 'A4', rcpts: ['carol@other.test'], fromDomain: 'bad.example', spf: 'softfail', dkim: 'none', dmarc: 'none' });
  // Checks off for other.test: results null, rspamd still judged it.
  await receipt({ queueId: 'A5', rcpts: ['carol@other.test'], fromDomain: null, disposition: 'junk', reason: 'rspamd=add header' });
  // Not counted: a submission, and MX mail outside the period (before it, and the day after it).
  await receipt({ queueId: 'A6', rcpts: ['alice@example.com'], fromDomain: 'example.com', listener: 'submission' });
  await receipt({ queueId: 'A7', rcpts: ['alice@example.com'], fromDomain: 'good.example', spf: 'pass', at: '2026-11-13T23:59:59Z' });
  await receipt({ queueId: 'A8', rcpts: ['alice@example.com'], fromDomain: 'good.example', spf: 'pass', at: '2026-11-21T00:00:00Z' });
});

afterAll(async () => {
  await pool?.end();
  await t?.drop();
});

describe('authentication statistics over smtp_receipts', () => {
  it('counts MX mail of the period: checked, SPF/DKIM/DMARC passes, failures, Junk', async () => {
    const o = await authOverview(prismaSql(t.prisma), filter());
    expect(o.totals).toEqual({ messages: 5, checked: 4, spfPass: 1, dkimPass: 2, dmarcPass: 2, failed: 2, junk: 2 });
    expect(o.series).toHaveLength(7);
    expect(o.series.find((p) => p.day === '2026-11-19')).toMatchObject({ messages: 1, spfPass: 0, dkimPass: 1 });
    expect(o.series.find((p) => p.day === '2026-11-20')).toMatchObject({ messages: 4, checked: 3 });
    expect(o.series.find((p) => p.day === '2026-11-14')?.messages).toBe(0);
    expect(o.junkReasons).toEqual([
      { reason: 'dmarc=quarantine', messages: 1 },
      { reason: 'rspamd=add header', messages: 1 },
    ]);
  });

  it('per sending domain, and the failing domains first by failures', async () => {
    const o = await authOverview(prismaSql(t.prisma), filter());
    expect(o.domains.map((d) => [d.fromDomain, d.messages, d.spfPass, d.dkimPass, d.dmarcPass])).toEqual([
      ['bad.example', 2, 0, 0, 0],
      ['good.example', 2, 1, 2, 2],
      ['', 1, 0, 0, 0],
    ]);
    expect(o.failing).toEqual([{ fromDomain: 'bad.example', messages: 2, checked: 2, spfPass: 0, dkimPass: 0, dmarcPass: 0, failed: 2, junk: 1, dmarcFail: 1 }]);
    const top1 = await authOverview(prismaSql(t.prisma), filter({ limit: 1 }));
    expect(top1.domains.map((d) => d.fromDomain)).toEqual(['bad.example']);
  });

  it('one sending domain', async () => {
    const o = await authOverview(prismaSql(t.prisma), filter({ fromDomain: 'good.example' }));
    expect(o.totals).toMatchObject({ messages: 2, spfPass: 1, dkimPass: 2, failed: 0 });
    expect(o.failing).toEqual([]);
  });

  it('a domain admin counts only mail to its own domains (recipient domain, any case)', async () => {
    const mine = await authOverview(prismaSql(t.prisma), filter({ scopeDomainNames: ['example.com'] }));
    expect(mine.totals).toMatchObject({ messages: 3, checked: 3, junk: 1 });
    const other = await authOverview(prismaSql(t.prisma), filter({ scopeDomainNames: ['other.test'] }));
    expect(other.totals).toMatchObject({ messages: 2, checked: 1, junk: 1 });
    expect(other.domains.map((d) => d.fromDomain)).toEqual(['', 'bad.example']);
    const none = await authOverview(prismaSql(t.prisma), filter({ scopeDomainNames: [] }));
    expect(none.totals.messages).toBe(0);
  });

  it('refuses dates that are not YYYY-MM-DD', async () => {
    await expect(authOverview(prismaSql(t.prisma), filter({ from: '20261114' }))).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('every statement is bounded by an index on received_at (or from_domain, received_at)', async () => {
    const c = await pool.connect();
    try {
      await c.query('SET enable_seqscan = off');
      for (const f of [filter(), filter({ fromDomain: 'good.example' }), filter({ scopeDomainNames: ['example.com'] })]) {
        for (const [name, s] of Object.entries(authStatements(f))) {
          const plan = JSON.stringify((await c.query(`EXPLAIN (FORMAT JSON) ${s.text}`, s.params)).rows[0]['QUERY PLAN']);
          expect(plan, name).toMatch(/smtp_receipts_(received_at|from_domain_received_at)_idx/);
          expect(plan.match(/"Relation Name":"smtp_receipts"/g), name).toHaveLength(1);
        }
      }
    } finally {
      c.release();
    }
  });
});

describe('a stored message\'s arrival checks', () => {
  let messageId = '';
  beforeAll(async () => {
    const mb = await pool.query<{ id: string }>(`SELECT id::text AS id FROM mailboxes WHERE address = 'alice@example.com'`);
    await acceptMessage(pool, {
      queueId: 'M1',
      raw: Buffer.from('Received: from client.example by mx.example.org with ESMTP id M1; Fri, 20 Nov 2026 10:00:00 +0000\r\nSubject: hi\r\n\r\nbody\r\n'),
      listener: 'mx',
      clientIp: '192.0.2.1',
      clientName: null,
      helo: 'client.example',
      mailFrom: 'x@sender.example',
      recipients: ['alice@example.com'],
      mailboxIds: [mb.rows[0].id],
      remoteRecipients: [],
      forwarded: [],
      authUser: null,
      protocol: 'ESMTP',
      tls: null,
      receivedAt: new Date('2026-11-20T10:00:00Z'),
    });
    await pool.query(
      `UPDATE smtp_receipts SET from_domain = 'sender.example', spf_result = 'pass', dkim_result = 'fail', dmarc_result = 'fail', arc_result = 'none',
              auth_results_header = $1, disposition = 'junk', disposition_reason = 'dmarc=quarantine',
              spam_action = 'add header', spam_score = 7.5, spam_symbols = $2::jsonb WHERE queue_id = 'M1'`,
      [
        'Authentication-Results: mx.example.org;\r\n\tspf=pass smtp.mailfrom=sender.example;\r\n\tdkim=fail reason="signature verification failed" header.d=sender.example;\r\n\tdmarc=fail header.from=sender.example',
        JSON.stringify({ R_DKIM_REJECT: { score: 1 }, DMARC_POLICY_QUARANTINE: { score: 1.5, description: 'DMARC quarantine policy' }, BAYES_SPAM: { score: 5 }, ARC_NA: { score: 0 } }),
      ],
    );
    messageId = (await pool.query<{ id: string }>(`SELECT m.id::text AS id FROM mail_messages m JOIN smtp_receipts r ON r.blob_id = m.blob_id WHERE r.queue_id = 'M1'`)).rows[0].id;
  });

  it('gives the parsed Authentication-Results, the disposition and rspamd\'s heaviest symbols', async () => {
    const a = await messageAuthenticationOf(prismaSql(t.prisma), messageId, null);
    expect(a).toMatchObject({ listener: 'mx', spf: 'pass', dkim: 'fail', dmarc: 'fail', disposition: 'junk', dispositionReason: 'dmarc=quarantine' });
    expect(a?.parsed).toMatchObject({ ok: true, authservId: 'mx.example.org' });
    if (a?.parsed?.ok) expect(a.parsed.results.map((r) => r.reason ?? r.result)).toEqual(['pass', 'signature verification failed', 'fail']);
    expect(a?.spam?.score).toBe(7.5);
    expect(a?.spam?.symbols.map((s) => s.name)).toEqual(['BAYES_SPAM', 'DMARC_POLICY_QUARANTINE', 'R_DKIM_REJECT', 'ARC_NA']);
    expect(a?.spam?.symbols[1].description).toBe('DMARC quarantine policy');
  });

  it('only within the scope; nothing for an unknown or malformed id', async () => {
    expect(await messageAuthenticationOf(prismaSql(t.prisma), messageId, [domains['alice@example.com']])).not.toBeNull();
    expect(await messageAuthenticationOf(prismaSql(t.prisma), messageId, [domains['carol@other.test']])).toBeNull();
    expect(await messageAuthenticationOf(prismaSql(t.prisma), '00000000-0000-0000-0000-000000000000', null)).toBeNull();
    expect(await messageAuthenticationOf(prismaSql(t.prisma), "x' OR 1=1 --", null)).toBeNull();
  });
});
