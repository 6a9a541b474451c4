import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { OUTBOUND_SQL, outboundOverview, prismaSql } from '.';

// The outbound section of the TLS page on seeded outbound_attempts rows: shares over
// TLS and verified, per verification kind, per destination, the cleartext-only list,
// the period's edges (UTC days), and that both statements can use the table's indexes.

let t: TestDatabase;
let pool: pg.Pool;

interface Attempt {
  queueId: string;
  domain: string;
  at: string;
  tls: string | null;
  verification: string;
  outcome: 'sent' | 'deferred' | 'failed';
  code?: number | null;
}

async function seed(attempts: Attempt[]) {
  const blob = (await pool.query(`INSERT INTO mail_blobs (size, sha256, raw, mime) VALUES (1, 'x', '\\x00', '{}') RETURNING id`)).rows[0].id;
  for (const [i, a] of attempts.entries()) {
    const rcpt = `r${i}@${a.domain}`;
    const q = await pool.query(
      `INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, dsn_notify) VALUES ($1, $2, 's@ours.test', $3, $4, '{}') RETURNING id`,
      [a.queueId, blob, rcpt, a.domain],
    );
    await pool.query(
      `INSERT INTO outbound_attempts (outbound_id, queue_id, rcpt, domain, started_at, duration_ms, instance_id, mx_host, ip, port,
                                      tls_version, tls_cipher, tls_verification, outcome, code, enhanced, reply)
       VALUES ($1, $2, $3, $4, $5, 10, 'test', $6, '192.0.2.1', 25, $7, $8, $9, $10, $11, '', '')`,
      [q.rows[0].id, a.queueId, rcpt, a.domain, a.at, `mx.${a.domain}`, a.tls, a.tls ? 'TLS_AES_256_GCM_SHA384' : null, a.verification, a.outcome,
        a.code === undefined ? (a.outcome === 'sent' ? 250 : a.outcome === 'deferred' ? 451 : 550) : a.code],
    );
  }
}

const IN = '2026-11-20T10:00:00Z';
beforeAll(async () => {
  t = await createTestDatabase();
  pool = t.pool(2);
  await seed([
    // gmail: 3 recipients of 2 messages, all over TLS 1.3; 2 verified by MTA-STS, 1 by DANE
    { queueId: 'Q1', domain: 'gmail.example', at: IN, tls: 'TLSv1.3', verification: 'mta-sts', outcome: 'sent' },
    { queueId: 'Q1', domain: 'gmail.example', at: IN, tls: 'TLSv1.3', verification: 'mta-sts', outcome: 'sent' },
    { queueId: 'Q2', domain: 'gmail.example', at: '2026-11-20T11:00:00Z', tls: 'TLSv1.3', verification: 'dane', outcome: 'sent' },
    // partner: one deferral then a TLS 1.2 delivery with a self-signed certificate
    { queueId: 'Q2', domain: 'partner.example', at: '2026-11-19T09:00:00Z', tls: 'TLSv1.2', verification: 'unverified', outcome: 'deferred' },
    { queueId: 'Q2', domain: 'partner.example', at: '2026-11-19T10:00:00Z', tls: 'TLSv1.2', verification: 'unverified', outcome: 'sent' },
    // old.example: reachable only in cleartext (two deliveries, one 4xx)
    { queueId: 'Q3', domain: 'old.example', at: IN, tls: null, verification: 'none', outcome: 'sent' },
    { queueId: 'Q4', domain: 'old.example', at: IN, tls: null, verification: 'none', outcome: 'deferred' },
    { queueId: 'Q5', domain: 'old.example', at: '2026-11-20T12:00:00Z', tls: null, verification: 'none', outcome: 'sent' },
    // refused.example: answered in cleartext, refused (require-tls deferred it): cleartext only, nothing sent
    { queueId: 'Q6', domain: 'refused.example', at: IN, tls: null, verification: 'none', outcome: 'deferred' },
    // dns.example: never reached (no answer at all): not "cleartext only"
    { queueId: 'Q7', domain: 'dns.example', at: IN, tls: null, verification: 'none', outcome: 'deferred', code: null },
    // mixed.example: once cleartext, once TLS: not cleartext-only; last answered was TLS
    { queueId: 'Q8', domain: 'mixed.example', at: '2026-11-18T10:00:00Z', tls: null, verification: 'none', outcome: 'sent' },
    { queueId: 'Q9', domain: 'mixed.example', at: '2026-11-18T11:00:00Z', tls: 'TLSv1.3', verification: 'pkix', outcome: 'sent' },
    // outside the period (the day before, and the day after, in UTC)
    { queueId: 'Q10', domain: 'gmail.example', at: '2026-11-13T23:59:59Z', tls: null, verification: 'none', outcome: 'sent' },
    { queueId: 'Q11', domain: 'late.example', at: '2026-11-21T00:00:00Z', tls: null, verification: 'none', outcome: 'sent' },
  ]);
});
afterAll(async () => {
  await pool?.end();
  await t?.drop();
});

describe('outbound TLS overview', () => {
  it('totals and shares over the period', async () => {
    const o = await outboundOverview(prismaSql(t.prisma), { from: '2026-11-14', to: '2026-11-20' });
    // 12 attempts in range; sent: gmail 3, partner 1, old 2, mixed 2 = 8 deliveries of 6 messages (Q1 twice, Q2 to two domains)
    expect(o.totals).toEqual({ attempts: 12, sent: 8, messages: 6, sentTls: 5, sentVerified: 4 });
    expect(o.verification).toEqual([
      { kind: 'dane', attempts: 1, sent: 1 },
      { kind: 'mta-sts', attempts: 2, sent: 2 },
      { kind: 'pkix', attempts: 1, sent: 1 },
      { kind: 'unverified', attempts: 2, sent: 1 },
      { kind: 'none', attempts: 6, sent: 3 },
    ]);
  });

  it('per destination: sent, TLS and verified counts, last TLS version; the cleartext-only list', async () => {
    const o = await outboundOverview(prismaSql(t.prisma), { from: '2026-11-14', to: '2026-11-20' });
    const pick = (r: (typeof o.domains)[number]) => [r.domain, r.attempts, r.sent, r.sentTls, r.sentVerified, r.lastTlsVersion];
    expect(o.domains.map(pick)).toEqual([
      ['gmail.example', 3, 3, 3, 3, 'TLSv1.3'],
      ['old.example', 3, 2, 0, 0, 'none'],
      ['mixed.example', 2, 2, 1, 1, 'TLSv1.3'],
      ['partner.example', 2, 1, 1, 0, 'TLSv1.2'],
      ['dns.example', 1, 0, 0, 0, null],
      ['refused.example', 1, 0, 0, 0, 'none'],
    ]);
    expect(o.cleartextOnly.map((r) => [r.domain, r.sent, r.attempts])).toEqual([
      ['old.example', 2, 3],
      ['refused.example', 0, 1],
    ]);
    expect(o.domains[0].lastAt).toBe('2026-11-20T11:00:00.000Z');
  });

  it('a period is whole UTC days; an empty period has zeros; limit bounds the lists', async () => {
    const last = await outboundOverview(prismaSql(t.prisma), { from: '2026-11-21', to: '2026-11-21' });
    expect(last.totals).toMatchObject({ attempts: 1, sent: 1, sentTls: 0 });
    expect(last.cleartextOnly.map((r) => r.domain)).toEqual(['late.example']);
    const none = await outboundOverview(prismaSql(t.prisma), { from: '2025-01-01', to: '2025-01-31' });
    expect(none.totals).toEqual({ attempts: 0, sent: 0, messages: 0, sentTls: 0, sentVerified: 0 });
    expect(none.domains).toEqual([]);
    expect(none.verification.every((v) => v.attempts === 0)).toBe(true);
    const top2 = await outboundOverview(prismaSql(t.prisma), { from: '2026-11-14', to: '2026-11-20', limit: 2 });
    expect(top2.domains.map((d) => d.domain)).toEqual(['gmail.example', 'old.example']);
    await expect(outboundOverview(prismaSql(t.prisma), { from: '20261114', to: '2026-11-20' })).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('both statements are bounded by an index on started_at (no full scan when the planner may choose)', async () => {
    const c = await pool.connect();
    try {
      await c.query('SET enable_seqscan = off');
      for (const [name, text] of Object.entries(OUTBOUND_SQL)) {
        const params = name === 'totals' ? ['2026-11-14', '2026-11-20'] : ['2026-11-14', '2026-11-20', 20, 20];
        const plan = (await c.query(`EXPLAIN (FORMAT JSON) ${text}`, params)).rows[0]['QUERY PLAN'];
        const s = JSON.stringify(plan);
        expect(s, name).toMatch(/outbound_attempts_(started_at|domain_started_at)_idx/);
        expect(s, name).toContain('started_at');
        // One scan of outbound_attempts per statement (the CTE is read twice, computed once).
        expect(s.match(/"Relation Name":"outbound_attempts"/g), name).toHaveLength(1);
      }
    } finally {
      c.release();
    }
  });
});
