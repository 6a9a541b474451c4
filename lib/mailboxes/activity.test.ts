import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { Actor } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createAlias } from '@/lib/aliases';
import { recordClientTls } from '@/lib/tls-stats/record';
import { deliver } from '@/mail-daemon/store';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createMailbox, mailboxActivity, mailboxRelations, setMailboxPassword } from './index';

let t: TestDatabase;
let pool: pg.Pool;
const cli: Actor = { kind: 'cli', user: 'tester' };
const PW = 'Strong-Password-1';
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  pool = t.pool(2);
  await addDomain(t.prisma, cli, { name: 'act.test' });
  await addDomain(t.prisma, cli, { name: 'other.test' });
  for (const address of ['ann@act.test', 'ben@act.test', 'out@other.test']) {
    ids[address] = (await createMailbox(t.prisma, cli, { address, password: PW })).mailbox.id;
  }
});
afterAll(async () => {
  await pool?.end();
  await t?.drop();
});

const raw = (n: number) => Buffer.from(`From: x@remote.test\r\nTo: ann@act.test\r\nSubject: ${n}\r\n\r\nbody ${n}\r\n`);

describe('mailboxActivity', () => {
  it('reports the newest login per protocol, the message count and the last password change', async () => {
    const ann = ids['ann@act.test'];
    const day1 = new Date('2026-11-01T10:00:00Z');
    const day2 = new Date('2026-11-20T08:30:00Z');
    await recordClientTls(pool, { mailboxId: ann, service: 'imap', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', clientIp: '198.51.100.1', at: day1 });
    await recordClientTls(pool, { mailboxId: ann, service: 'imap', tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', clientIp: '198.51.100.2', at: day2 });
    await recordClientTls(pool, { mailboxId: ann, service: 'smtp', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', clientIp: '198.51.100.1', at: day1 });
    for (const n of [1, 2, 3]) await deliver(pool, { raw: raw(n), recipients: [{ mailboxId: ann }] });
    await setMailboxPassword(t.prisma, cli, { address: 'ann@act.test', password: 'Another-Strong-Pw-2' });

    const got = await mailboxActivity(t.prisma, cli, [ann, ids['ben@act.test']]);
    expect(got.get(ann)).toMatchObject({ lastLogin: { imap: day2, submission: day1 }, messages: 3 });
    expect(got.get(ann)!.lastLogin.pop3).toBeUndefined();
    expect(got.get(ann)!.passwordChangedAt).toBeInstanceOf(Date);
    expect(got.get(ids['ben@act.test'])).toEqual({ lastLogin: {}, messages: 0, passwordChangedAt: null });
  });

  it('leaves out mailboxes outside a domain admin\'s domains', async () => {
    const domain = await t.prisma.domain.findUniqueOrThrow({ where: { name: 'act.test' } });
    const da: Actor = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000ab', email: 'da@act.test', role: 'DOMAIN', domainIds: [domain.id] };
    const got = await mailboxActivity(t.prisma, da, [ids['ann@act.test'], ids['out@other.test']]);
    expect([...got.keys()]).toEqual([ids['ann@act.test']]);
  });
});

describe('mailboxRelations', () => {
  it('lists the aliases delivering to the mailbox, catch-alls included', async () => {
    await createAlias(t.prisma, cli, { source: 'sales@act.test', destinations: ['ben@act.test', 'ann@act.test'] });
    await createAlias(t.prisma, cli, { source: '@act.test', destinations: ['ben@act.test'] });
    await createAlias(t.prisma, cli, { source: 'info@act.test', destinations: ['ann@act.test'] });
    const r = await mailboxRelations(t.prisma, cli, { id: ids['ben@act.test'], address: 'ben@act.test' });
    expect(r.aliases.map((a) => a.source)).toEqual(['@act.test', 'sales@act.test']);
    expect(r.smime).toEqual([]);
  });
});
