import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import type { AcceptInput } from '@/mail-daemon/smtp/backend';
import type { TlsFacts } from '@/mail-daemon/smtp/received';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import type { StatsFilter } from './queries';
import { recentMessages } from './recent-messages';

let t: TestDatabase;
let pool: pg.Pool;
const ids: Record<string, { mailboxId: string; domainId: string }> = {};
const T13: TlsFacts = { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', bits: 256, algBits: 256, mode: 'starttls', sni: null, clientCert: null };

function accept(queueId: string, mailFrom: string, clientIp: string, to: string[], tls: TlsFacts | null, hour: number): Promise<unknown> {
  const raw = Buffer.from(`Received: from c.example (c.example [${clientIp}]) by mx.postern.test with ${tls ? 'ESMTPS' : 'ESMTP'} id ${queueId}; Fri, 20 Nov 2026 10:00:00 +0000\r\nSubject: ${queueId}\r\n\r\nbody\r\n`);
  const input: AcceptInput = {
    listener: 'mx', clientIp, clientName: 'c.example', helo: 'c.example', recipients: [], mailboxIds: to.map((a) => ids[a].mailboxId),
    remoteRecipients: [], forwarded: [], authUser: null, protocol: tls ? 'ESMTPS' : 'ESMTP', tls, receivedAt: new Date(`2026-11-20T${String(hour).padStart(2, '0')}:00:00Z`),
    queueId, raw, mailFrom,
  };
  return acceptMessage(pool, input);
}

beforeAll(async () => {
  t = await createTestDatabase();
  pool = t.pool(2);
  for (const a of ['ann@here.test', 'bob@here.test', 'cy@there.test']) ids[a] = await createTestMailbox(pool, a);
  await accept('R1', 'x@tls.example', '198.51.100.1', ['ann@here.test', 'cy@there.test'], T13, 8);
  await accept('R2', 'y@clear.example', '203.0.113.2', ['bob@here.test'], null, 9);
  await accept('R3', '', '203.0.113.2', ['ann@here.test'], null, 10);
});
afterAll(async () => {
  await pool?.end();
  await t?.drop();
});

const base: StatsFilter = { from: '2026-11-14', to: '2026-11-20', scopeDomainIds: null };
const rowsOf = async (f: Parameters<typeof recentMessages>[1]) => (await recentMessages(pool, f)).map((r) => `${r.mailbox} ${r.senderDomain || '<>'} ${r.ourTlsVersion}`);

describe('recentMessages', () => {
  it.each([
    ['every message, one row per stored copy, newest first', {}, ['ann@here.test <> none', 'bob@here.test clear.example none', 'ann@here.test tls.example TLSv1.3', 'cy@there.test tls.example TLSv1.3']],
    ['one sending domain', { senderDomain: 'TLS.example' }, ['ann@here.test tls.example TLSv1.3', 'cy@there.test tls.example TLSv1.3']],
    ['the null reverse-path', { senderDomain: '' }, ['ann@here.test <> none']],
    ['one client IP', { clientIp: '203.0.113.2' }, ['ann@here.test <> none', 'bob@here.test clear.example none']],
    ['a day outside the period', { from: '2026-11-21', to: '2026-11-22' }, []],
  ] as const)('%s', async (_name, over, expected) => {
    const got = await rowsOf({ ...base, ...over });
    // Copies of one message share the received time (their order is the rows' ids): compare as a set.
    expect([...got].sort()).toEqual([...expected].sort());
  });

  it('puts the newest message first', async () => {
    expect((await rowsOf(base))[0]).toBe('ann@here.test <> none');
  });

  it('keeps to a domain admin\'s domains and the mailbox filter', async () => {
    expect(await rowsOf({ ...base, scopeDomainIds: [ids['cy@there.test'].domainId] })).toEqual(['cy@there.test tls.example TLSv1.3']);
    expect(await rowsOf({ ...base, mailboxId: ids['bob@here.test'].mailboxId })).toEqual(['bob@here.test clear.example none']);
    const [row] = await recentMessages(pool, { ...base, mailboxId: ids['bob@here.test'].mailboxId });
    const stored = await pool.query(`SELECT m.id::text FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1`, [ids['bob@here.test'].mailboxId]);
    expect(row.id).toBe(stored.rows[0].id);
  });
});
