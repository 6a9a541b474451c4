// Greylisting (RFC 6647) at RCPT on the MX port, shared through Postgres: two SMTP services in
// this one process, each with its own pool, policy cache and NOTIFY listener (what two daemons
// behind one MX name share is only the database); the first attempt at one is deferred, the
// retry at the other after the delay passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { seedDirectory } from '@/mail-daemon/testing/directory';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { RawSmtp, startSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { greylistNetwork, pruneGreylist } from './greylist';

let db: TestDatabase;
let dns: RunningDnsServer;
let first: RunningSmtp;
let second: RunningSmtp;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  const other = await db.prisma.domain.findUniqueOrThrow({ where: { name: 'other.test' } });
  await updatePolicy(db.prisma, SYSTEM, { domainId: other.id, settings: { greylisting: { enabled: true, delaySeconds: 1, retryWindowHours: 24, passDays: 36 } } });
  dns = await startDnsServer();
  const env = { POSTERN_DNS_SERVERS: dns.server };
  [first, second] = await Promise.all([startSmtp(db.url, { env }), startSmtp(db.url, { env })]);
});

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await dns?.close();
  await db?.drop();
});

async function rcpt(port: number, from: string, to: string): Promise<{ code: number; text: string }> {
  const { client } = await RawSmtp.connect(port);
  try {
    await client.cmd('EHLO client.test');
    await client.cmd(`MAIL FROM:<${from}>`);
    return await client.cmd(`RCPT TO:<${to}>`);
  } finally {
    client.close();
  }
}

const row = async (sender: string) =>
  (await first.pool.query('SELECT network, attempts, passed_at FROM greylist WHERE sender = $1', [sender])).rows[0];

describe('RFC 6647 §2.1 greylisting across two SMTP services on one database', () => {
  it('first attempt 451 4.7.1; an early retry at the other daemon 451; after the delay it passes there', async () => {
    const deferred = await rcpt(first.ports.mx, 'a@sender.test', 'carol@other.test');
    expect(deferred.code).toBe(451);
    expect(deferred.text).toMatch(/^4\.7\.1 Greylisted/);
    expect((await rcpt(second.ports.mx, 'a@sender.test', 'carol@other.test')).code).toBe(451);
    // The delay is wall-clock time measured by Postgres: there is no event to await but the clock.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await rcpt(second.ports.mx, 'a@sender.test', 'carol@other.test')).code).toBe(250);
    expect((await rcpt(first.ports.mx, 'a@sender.test', 'carol@other.test')).code).toBe(250);
    expect(await row('a@sender.test')).toMatchObject({ network: '127.0.0.0/24', attempts: 4 });
  });

  it('§2.2 the triplet: another sender to the same recipient starts over', async () => {
    expect((await rcpt(second.ports.mx, 'b@sender.test', 'carol@other.test')).code).toBe(451);
  });

  it('only where the recipient domain turns it on', async () => {
    expect((await rcpt(first.ports.mx, 'c@sender.test', 'alice@example.test')).code).toBe(250);
  });

  it('an unknown recipient is refused for what it is (550), not greylisted', async () => {
    expect((await rcpt(first.ports.mx, 'd@sender.test', 'nobody@example.test')).code).toBe(550);
  });

  it('housekeeping removes triplets whose retry window ran out', async () => {
    await first.pool.query(`UPDATE greylist SET first_seen = now() - interval '25 hours' WHERE sender = 'b@sender.test'`);
    expect(await pruneGreylist(first.pool, { enabled: true, delaySeconds: 1, retryWindowHours: 24, passDays: 36 })).toBe(1);
    expect(await row('a@sender.test')).toBeDefined();
  });
});

describe('RFC 6647 §2.2 networks', () => {
  it.each([
    ['192.0.2.77', '192.0.2.0/24'],
    ['::ffff:198.51.100.9', '198.51.100.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
  ])('%s → %s', (ip, net) => expect(greylistNetwork(ip)).toBe(net));
});
