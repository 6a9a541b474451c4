import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import type { AcceptInput } from '@/mail-daemon/smtp/backend';
import type { TlsFacts } from '@/mail-daemon/smtp/received';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import {
  clientTls,
  exportRows,
  hopChainOf,
  overview,
  pgRunner,
  policyImpact,
  prismaRunner,
  recordClientTls,
  rescan,
  versionsBelow,
  type StatsFilter,
} from '.';

let t: TestDatabase;
let pool: pg.Pool;
const ids: Record<string, { mailboxId: string; domainId: string }> = {};
const DAY = '2026-11-20';
const at = (h: number) => new Date(`${DAY}T${String(h).padStart(2, '0')}:00:00Z`);

function tls(version: string, cipher: string, mode: 'starttls' | 'implicit' = 'starttls'): TlsFacts {
  return { version, cipher, standardName: cipher, bits: 256, algBits: 256, mode, sni: null, clientCert: null };
}

function message(queueId: string, ourTls: TlsFacts | null, below: string[], rcpt: string): Buffer {
  const using = ourTls ? ` (using ${ourTls.version} with cipher ${ourTls.cipher} (256/256 bits))` : '';
  const proto = ourTls ? 'ESMTPS' : 'ESMTP';
  const ours = `Received: from client.example (client.example [192.0.2.10])${using}\r\n\tby mx.postern.test (Postern) with ${proto} id ${queueId}\r\n\tfor <${rcpt}>; Fri, 20 Nov 2026 10:00:00 +0000\r\n`;
  return Buffer.from(`Return-Path: <x@y>\r\n${ours}${below.map((b) => `Received: ${b}\r\n`).join('')}Subject: t\r\n\r\nbody\r\n`);
}

function input(p: Partial<AcceptInput> & Pick<AcceptInput, 'queueId' | 'raw' | 'mailFrom'>): AcceptInput {
  return {
    listener: 'mx',
    clientIp: '192.0.2.10',
    clientName: 'client.example',
    helo: 'client.example',
    recipients: [],
    mailboxIds: [],
    remoteRecipients: [], forwarded: [],
    authUser: null,
    protocol: 'ESMTP',
    tls: null,
    receivedAt: at(10),
    ...p,
  };
}

const filter = (over: Partial<StatsFilter> = {}): StatsFilter => ({ from: '2026-11-14', to: '2026-11-20', scopeDomainIds: null, ...over });

beforeAll(async () => {
  t = await createTestDatabase();
  pool = t.pool(4);
  for (const a of ['alice@example.com', 'bob@example.com', 'carol@other.test']) ids[a] = await createTestMailbox(pool, a);

  const CLEAR_BELOW = 'from laptop (laptop [10.0.0.2]) by relay.sender.example with ESMTP id A1; Fri, 20 Nov 2026 09:59:00 +0000';
  const TLS13_BELOW =
    'from a.example (a.example [10.0.0.3]) (using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)) by b.example (Postfix) with ESMTPS id B1; Fri, 20 Nov 2026 09:59:00 +0000';
  const T13 = tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384');
  const T12 = tls('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256');
  const T10 = tls('TLSv1', 'ECDHE-RSA-AES256-SHA');
  // 1: TLS 1.3 on our hop, a cleartext hop below
  await acceptMessage(pool, input({ queueId: 'Q1', raw: message('Q1', T13, [CLEAR_BELOW], 'alice@example.com'), mailFrom: 'a@sender.example', mailboxIds: [ids['alice@example.com'].mailboxId], tls: T13, protocol: 'ESMTPS' }));
  // 2: TLS 1.2 on our hop, TLS 1.3 below, two recipients
  await acceptMessage(pool, input({ queueId: 'Q2', raw: message('Q2', T12, [TLS13_BELOW], 'x'), mailFrom: 'b@tls.example', mailboxIds: [ids['alice@example.com'].mailboxId, ids['bob@example.com'].mailboxId], tls: T12, protocol: 'ESMTPS', clientIp: '198.51.100.2' }));
  // 3: cleartext
  await acceptMessage(pool, input({ queueId: 'Q3', raw: message('Q3', null, [], 'bob@example.com'), mailFrom: 'c@weak.example', mailboxIds: [ids['bob@example.com'].mailboxId], clientIp: '203.0.113.3' }));
  // 4: submission by carol over implicit TLS 1.3 to a remote recipient
  await acceptMessage(pool, input({ queueId: 'Q4', raw: message('Q4', T13, [], 'far@remote.example'), mailFrom: 'carol@other.test', listener: 'submissions', remoteRecipients: ['far@remote.example'], authUser: { mailboxId: ids['carol@other.test'].mailboxId, address: 'carol@other.test', domainId: ids['carol@other.test'].domainId }, tls: tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'implicit'), protocol: 'ESMTPSA', clientIp: '198.51.100.44' }));
  // 5: TLS 1.0 ("TLSv1" as Node reports it) from an old sender
  await acceptMessage(pool, input({ queueId: 'Q5', raw: message('Q5', T10, [], 'alice@example.com'), mailFrom: 'd@old.example', mailboxIds: [ids['alice@example.com'].mailboxId], tls: T10, protocol: 'ESMTPS', clientIp: '203.0.113.5' }));
});

afterAll(async () => {
  await pool?.end();
  await t?.drop();
});

describe('delivery writes hop chains and aggregates in the delivery transaction', () => {
  it('stores one hop chain per message with our hop as fact and the rest claimed', async () => {
    const rows = (await pool.query(`SELECT queue_id, our_tls_version, path_tls, path_weakest, hop_count, cleartext_hops FROM tls_hop_chains ORDER BY queue_id`)).rows;
    expect(rows).toEqual([
      { queue_id: 'Q1', our_tls_version: 'TLSv1.3', path_tls: false, path_weakest: 'none', hop_count: 2, cleartext_hops: 1 },
      { queue_id: 'Q2', our_tls_version: 'TLSv1.2', path_tls: true, path_weakest: 'TLSv1.2', hop_count: 2, cleartext_hops: 0 },
      { queue_id: 'Q3', our_tls_version: 'none', path_tls: false, path_weakest: 'none', hop_count: 1, cleartext_hops: 1 },
      { queue_id: 'Q4', our_tls_version: 'TLSv1.3', path_tls: true, path_weakest: 'TLSv1.3', hop_count: 1, cleartext_hops: 0 },
      { queue_id: 'Q5', our_tls_version: 'TLSv1.0', path_tls: true, path_weakest: 'TLSv1.0', hop_count: 1, cleartext_hops: 0 },
    ]);
    const blob = (await pool.query(`SELECT blob_id FROM tls_hop_chains WHERE queue_id = 'Q1'`)).rows[0].blob_id;
    const chain = await hopChainOf(pool, blob);
    expect(chain?.our).toMatchObject({ tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', helo: 'client.example' });
    expect(chain?.claimed).toHaveLength(1);
    expect(chain?.claimed[0]).toMatchObject({ by: 'relay.sender.example', tls: { used: false } });
  });

  it('overview counts messages once, deliveries per mailbox when filtered', async () => {
    const o = await overview(pool, filter());
    expect(o.perMessage).toBe(true);
    expect(o.totals).toEqual({ messages: 5, ourTls: 4, pathTls: 3 });
    expect(o.series).toHaveLength(7);
    expect(o.series.at(-1)).toEqual({ day: DAY, messages: 5, ourTls: 4, pathTls: 3 });
    expect(Object.fromEntries(o.versions.map((v) => [v.version, v.messages]))).toEqual({ 'TLSv1.3': 2, 'TLSv1.2': 1, 'TLSv1.0': 1, none: 1 });
    expect(o.weakDomains.map((d) => [d.senderDomain, d.cleartext, d.belowTls12])).toEqual([
      ['weak.example', 1, 0],
      ['old.example', 0, 1],
    ]);
    expect(o.weakIps.map((d) => d.clientIp).sort()).toEqual(['203.0.113.3', '203.0.113.5']);

    const alice = await overview(pool, filter({ mailboxId: ids['alice@example.com'].mailboxId }));
    expect(alice.perMessage).toBe(false);
    expect(alice.totals).toEqual({ messages: 3, ourTls: 3, pathTls: 2 });
    const exampleCom = await overview(pool, filter({ scopeDomainIds: [ids['alice@example.com'].domainId] }));
    expect(exampleCom.totals.messages).toBe(5); // Q1, Q2×2, Q3, Q5
    const submission = await overview(pool, filter({ direction: 'submission' }));
    expect(submission.totals).toEqual({ messages: 1, ourTls: 1, pathTls: 1 });
  });

  it('exports CSV with a header and no formula injection', async () => {
    const csv = await exportRows(pool, filter());
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('day,direction,domain,mailbox,sender_domain,client_ip,our_tls_version,our_cipher,path_weakest,messages,our_hop_tls,whole_path_tls');
    expect(lines.length).toBe(7); // Q2 counts once per mailbox row
    expect(csv).toContain('weak.example');
  });

});

describe('concurrency', () => {
  it('40 parallel deliveries from one sender to two mailboxes: no deadlock, exact counts', async () => {
    const T13 = tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384');
    const both = [ids['alice@example.com'].mailboxId, ids['bob@example.com'].mailboxId];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        acceptMessage(pool, input({ queueId: `C${i}`, raw: message(`C${i}`, T13, [], 'x'), mailFrom: 'bulk@busy.example', mailboxIds: i % 2 ? both : [...both].reverse(), tls: T13, protocol: 'ESMTPS', receivedAt: at(20), clientIp: '192.0.2.99' })),
      ),
    );
    const r = (await pool.query(`SELECT sum(messages)::int AS m, sum(deliveries)::int AS d FROM tls_daily_stats WHERE sender_domain = 'busy.example'`)).rows[0];
    expect(r).toEqual({ m: 40, d: 80 });
    const totals = (await pool.query(`SELECT sum(messages)::int AS m, sum(deliveries)::int AS d FROM tls_daily_totals WHERE day = $1::date`, [DAY])).rows[0];
    expect(totals).toEqual({ m: 45, d: 86 }); // the 5 from beforeAll (6 deliveries) and these 40 (80)
    await pool.query(`DELETE FROM mail_messages WHERE blob_id IN (SELECT blob_id FROM tls_hop_chains WHERE queue_id LIKE 'C%')`);
    await pool.query(`DELETE FROM smtp_receipts WHERE queue_id LIKE 'C%'`);
    await pool.query(`DELETE FROM tls_hop_chains WHERE queue_id LIKE 'C%'`);
    await rescan(pgRunner(pool)); // back to the five messages the other tests count
  });
});

describe('client-side TLS and policy impact', () => {
  it('records logins per mailbox and previews who a stricter policy refuses', async () => {
    const now = at(12);
    await recordClientTls(pool, { mailboxId: ids['bob@example.com'].mailboxId, service: 'imap', tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', clientIp: '198.51.100.9', at: now });
    await recordClientTls(pool, { mailboxId: ids['bob@example.com'].mailboxId, service: 'imap', tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', clientIp: '198.51.100.9', at: now });
    await recordClientTls(pool, { mailboxId: ids['alice@example.com'].mailboxId, service: 'imap', tlsVersion: null, cipher: null, clientIp: '198.51.100.8', at: now });
    await recordClientTls(pool, { mailboxId: ids['carol@other.test'].mailboxId, service: 'submission', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', at: now });

    const rows = await clientTls(pool, { since: DAY, scopeDomainIds: null });
    expect(rows.find((r) => r.address === 'bob@example.com')).toMatchObject({ service: 'imap', tlsVersion: 'TLSv1.2', logins: 2 });
    expect(rows[0]).toMatchObject({ address: 'alice@example.com', tlsVersion: 'none' });
    const scoped = await clientTls(pool, { since: DAY, scopeDomainIds: [ids['carol@other.test'].domainId] });
    expect(scoped.map((r) => r.address)).toEqual(['carol@other.test']);

    expect(versionsBelow('TLSv1.3')).toEqual(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2']);
    const impact = await policyImpact(pool, { requireTlsMx: true, minTlsVersion: 'TLSv1.3', allowCleartextAuth: false }, { scopeDomainIds: null, now: new Date(`${DAY}T23:00:00Z`) });
    expect(impact.requireTlsMx?.senders.map((s) => s.senderDomain)).toEqual(['weak.example']);
    expect(impact.minTlsVersion?.inbound.map((s) => s.senderDomain).sort()).toEqual(['old.example', 'tls.example']);
    expect(impact.minTlsVersion?.logins.map((l) => l.address)).toEqual(['bob@example.com']);
    expect(impact.cleartextAuth?.logins.map((l) => l.address)).toEqual(['alice@example.com']);
    expect(impact.cleartextAuth?.submission).toEqual([]);
  });
});

describe('rescan', () => {
  it('rebuilds the same figures from stored mail, reporting progress (pg and Prisma handles)', async () => {
    const before = await overview(pool, filter());
    const progress: number[] = [];
    const r = await rescan(pgRunner(pool), { batchSize: 2, onProgress: (p) => progress.push(p.done) });
    expect(r).toEqual({ done: 5, total: 5 });
    expect(progress).toEqual([0, 2, 4, 5]);
    expect(await overview(pool, filter())).toEqual(before);
    await rescan(prismaRunner(t.prisma));
    expect(await overview(pool, filter())).toEqual(before);
    expect((await pool.query('SELECT count(*)::int AS n FROM tls_client_logins')).rows[0].n).toBe(3);
  });
});
