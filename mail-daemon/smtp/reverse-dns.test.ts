// The client's reverse DNS name (../net/reverse-dns.ts): asked of the configured resolver
// (POSTERN_DNS_SERVERS, here a DNS server on loopback) when the connection is accepted, never in
// front of the greeting; awaited at the end of DATA for the Received field's "(name [ip])", within
// the listener's timeout from the connection's start, else "unknown"; cached per address.
// Real service, real database, loopback sockets from 127.0.0.x addresses that /etc/hosts does not
// name, so every name comes from the DNS server. Nothing is timed: the DNS server holds an answer
// until the test lets it go, and its query log says what was asked.
// What decides on the client does hold the greeting: the DNS blocklists (policy dnsblZones, here
// bl.test on the same server), so a client that talks before it is refused (RFC 5321 §3.1).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { seedDirectory } from '@/mail-daemon/testing/directory';
import { RawSmtp, startSmtp, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

function gate(): { held: Promise<void>; open: () => void } {
  let open!: () => void;
  const held = new Promise<void>((resolve) => (open = resolve));
  return { held, open };
}

const slow = gate();
const together = gate();
const blocklist = gate();
const ptr = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;

let db: TestDatabase;
let dns: RunningDnsServer;
/** Waits as long as it takes for a name (the held answers come when the test says). */
let patient: RunningSmtp;
/** Waits 200 ms from the connection's start. */
let hasty: RunningSmtp;

beforeAll(async () => {
  dns = await startDnsServer({
    zones: {
      [ptr('127.0.0.2')]: { PTR: ['Slow.Client.TEST.'], held: slow.held },
      [ptr('127.0.0.3')]: { PTR: ['cached.client.test'] },
      [ptr('127.0.0.4')]: { silent: true },
      // 127.0.0.5 has no PTR (NXDOMAIN).
      [ptr('127.0.0.6')]: { PTR: ['together.client.test'], held: together.held },
      [ptr('127.0.0.7')]: { PTR: ['bad\r\nX-Injected: 1.client.test'] },
      // Not listed (no A record), once the answer may go.
      '8.0.0.127.bl.test': { held: blocklist.held },
    },
  });
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { dnsblZones: ['bl.test'] } });
  const env = { POSTERN_DNS_SERVERS: dns.server };
  patient = await startSmtp(db.url, { env, reverseDnsTimeoutMs: 10 * 60_000 });
  hasty = await startSmtp(db.url, { env, reverseDnsTimeoutMs: 200 });
});

afterAll(async () => {
  slow.open();
  together.open();
  blocklist.open();
  await patient?.stop();
  await hasty?.stop();
  await db?.drop();
  await dns?.close();
});

const ptrQueries = (ip: string) => dns.queries.filter((q) => q === `PTR ${ptr(ip)}`).length;

/** One message to alice; returns the stored Received field's first line and the receipt's client_name. */
async function deliver(client: RawSmtp, smtp: RunningSmtp, beforeDot: () => void = () => {}) {
  await transcript(client, [['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
  client.write('Subject: reverse dns\r\n\r\nHello.\r\n.\r\n');
  beforeDot();
  const r = await client.read();
  expect(r.code).toBe(250);
  const queueId = /queued as (\w+)/.exec(r.text)![1];
  const row = (await smtp.pool.query('SELECT s.client_name, b.raw FROM smtp_receipts s JOIN mail_blobs b ON b.id = s.blob_id WHERE s.queue_id = $1', [queueId])).rows[0];
  const received = /^Received: [^\r\n]*/m.exec((row.raw as Buffer).toString('latin1'))![0];
  return { received, clientName: row.client_name as string | null };
}

async function connect(smtp: RunningSmtp, ip: string) {
  const { client, greeting } = await RawSmtp.connect(smtp.ports.mx, { localAddress: ip });
  expect(greeting.code).toBe(220);
  return client;
}

describe('reverse DNS beside the session', () => {
  it('the greeting does not wait for a slow PTR answer; the end of DATA does, and writes the name', async () => {
    // The answer is held: the 220 came without it.
    const client = await connect(patient, '127.0.0.2');
    // Asked when the connection was accepted, before any command.
    await dns.asked(`PTR ${ptr('127.0.0.2')}`);
    const ehlo = await client.cmd('EHLO client.test');
    expect(ehlo.lines[0]).toBe('mx.postern.test Nice to meet you, [127.0.0.2]');
    // The whole message is sent before the answer may go: the end of DATA waits for it.
    const { received, clientName } = await deliver(client, patient, () => slow.open());
    expect(received).toBe('Received: from client.test (slow.client.test [127.0.0.2])');
    expect(clientName).toBe('slow.client.test');
    // Known now: EHLO names the client as smtp-server did.
    expect((await client.cmd('EHLO client.test')).lines[0]).toBe('mx.postern.test Nice to meet you, slow.client.test');
    client.close();
    expect(ptrQueries('127.0.0.2')).toBe(1);
  });

  it('a second connection from the same address is answered from the cache: one query', async () => {
    for (let i = 0; i < 2; i++) {
      const client = await connect(patient, '127.0.0.3');
      await transcript(client, [['EHLO client.test', 250]]);
      expect((await deliver(client, patient)).received).toBe('Received: from client.test (cached.client.test [127.0.0.3])');
      client.close();
    }
    expect(ptrQueries('127.0.0.3')).toBe(1);
  });

  it('connections from one address while its lookup runs share it: one query', async () => {
    const clients = [await connect(patient, '127.0.0.6'), await connect(patient, '127.0.0.6')];
    await dns.asked(`PTR ${ptr('127.0.0.6')}`);
    const delivered = clients.map(async (c) => {
      await transcript(c, [['EHLO client.test', 250]]);
      return deliver(c, patient);
    });
    together.open();
    for (const d of await Promise.all(delivered)) expect(d.received).toBe('Received: from client.test (together.client.test [127.0.0.6])');
    for (const c of clients) c.close();
    expect(ptrQueries('127.0.0.6')).toBe(1);
  });

  it('no answer within the listener timeout: "unknown", as Postfix writes it', async () => {
    const client = await connect(hasty, '127.0.0.4');
    await transcript(client, [['EHLO client.test', 250]]);
    const { received, clientName } = await deliver(client, hasty);
    expect(received).toBe('Received: from client.test (unknown [127.0.0.4])');
    expect(clientName).toBeNull();
    client.close();
  });

  it('no PTR record (NXDOMAIN): "unknown", and the answer is cached too', async () => {
    for (let i = 0; i < 2; i++) {
      const client = await connect(hasty, '127.0.0.5');
      await transcript(client, [['EHLO client.test', 250]]);
      expect((await deliver(client, hasty)).received).toBe('Received: from client.test (unknown [127.0.0.5])');
      client.close();
    }
    expect(ptrQueries('127.0.0.5')).toBe(1);
  });

  it('a PTR name that is not a host name is none at all', async () => {
    const client = await connect(patient, '127.0.0.7');
    await transcript(client, [['EHLO client.test', 250]]);
    const { received, clientName } = await deliver(client, patient);
    expect(received).toBe('Received: from client.test (unknown [127.0.0.7])');
    expect(clientName).toBeNull();
    client.close();
  });

  it('§3.1: the greeting waits for the blocklist verdict; a client that talks before it gets 421 and is closed', async () => {
    const socket = net.connect({ port: patient.ports.mx, host: '127.0.0.1', localAddress: '127.0.0.8' });
    socket.once('connect', () => socket.write('EHLO early.test\r\n'));
    let heard = '';
    socket.on('data', (d: Buffer) => (heard += d.toString('latin1')));
    // The blocklist's answer is held: no greeting can have gone before the EHLO was read.
    await new Promise((resolve) => socket.once('close', resolve));
    expect(heard).toMatch(/^421 [^\r\n]*You talk too soon\r\n$/);
    blocklist.open();
    // A client that waits is greeted once the verdict is in, and its EHLO answered.
    const client = await connect(patient, '127.0.0.8');
    expect((await client.cmd('EHLO client.test')).code).toBe(250);
    client.close();
  });
});
