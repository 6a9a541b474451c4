// Listener exhaustion on the wire: slot exhaustion from
// many loopback addresses (127.x.y.z all reach the listener from their own source
// address), by idle and by slow (slowloris) sessions, the reserve's probation on submission,
// DATA's rate and total-time bounds, the short timeout before a session does anything, PROXY v2.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD, seedDirectory } from '@/mail-daemon/testing/directory';
import { RawSmtp, startSmtp, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { proxyV2 } from '@/mail-daemon/testing/proxy';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

async function hold(port: number, localAddress: string, implicitTls = false) {
  const { client, greeting } = await RawSmtp.connect(port, { localAddress, implicitTls });
  return { client, code: greeting.code, text: greeting.text };
}

const MESSAGE = 'From: <s@sender.test>\r\nTo: <alice@example.test>\r\nSubject: hello\r\n\r\nhello\r\n.';
const ENVELOPE: [string, number][] = [['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]];

async function receipts(smtp: RunningSmtp): Promise<number> {
  return Number((await smtp.pool.query('SELECT count(*) AS n FROM smtp_receipts')).rows[0].n);
}

describe('MX slot exhaustion (50 addresses × 20 idle connections)', () => {
  it('with the defaults, 50 addresses of one /24 hold 50 slots, and a new client from an unseen address is served', async () => {
    const smtp = await startSmtp(db.url);
    try {
      const attempts = await Promise.all(
        Array.from({ length: 50 * 20 }, (_, i) => hold(smtp.ports.mx, `127.0.0.${1 + (i % 50)}`)),
      );
      const held = attempts.filter((a) => a.code === 220);
      expect(held.length).toBe(50);
      expect(new Set(attempts.filter((a) => a.code !== 220).map((a) => `${a.code} ${a.text}`))).toEqual(
        new Set(['421 4.7.0 Too many connections from your network, try again later']),
      );
      const fresh = await hold(smtp.ports.mx, '127.0.9.1');
      expect(fresh.code).toBe(220);
      expect((await fresh.client.cmd('EHLO legit.example')).code).toBe(250);
      for (const a of [...attempts, fresh]) a.client.close();
    } finally {
      await smtp.stop();
    }
  });

  it('spread over many networks the attack fills the listener up to the reserve; unseen clients get the reserve, seen ones do not', async () => {
    const smtp = await startSmtp(db.url, { maxClients: 40, maxConnectionsPerIp: 4, maxConnectionsPerPrefix: 8, reserveSlots: 8 });
    const open: RawSmtp[] = [];
    try {
      // 4 networks × 2 addresses × 4 connections = 32 = 40 − reserve.
      const attackers = [1, 2, 3, 4].flatMap((n) => [`127.1.${n}.1`, `127.1.${n}.2`]);
      const first = await Promise.all(attackers.flatMap((ip) => Array.from({ length: 4 }, () => hold(smtp.ports.mx, ip))));
      open.push(...first.map((a) => a.client));
      expect(first.every((a) => a.code === 220)).toBe(true);
      // More from the same addresses and networks: refused, the reserve stays.
      const again = await Promise.all([...attackers.map((ip) => hold(smtp.ports.mx, ip)), hold(smtp.ports.mx, '127.1.1.3')]);
      open.push(...again.map((a) => a.client));
      expect(again.map((a) => a.code)).toEqual(again.map(() => 421));
      // A known address from an idle network is seen (it tried before): no reserve slot on MX.
      const seen = await hold(smtp.ports.mx, '127.1.1.1');
      expect(seen.code).toBe(421);
      // New clients from addresses never seen are still served.
      for (const ip of ['127.200.0.1', '127.201.0.1']) {
        const fresh = await hold(smtp.ports.mx, ip);
        open.push(fresh.client);
        expect([ip, fresh.code]).toEqual([ip, 220]);
        expect((await fresh.client.cmd('EHLO legit.example')).code).toBe(250);
      }
    } finally {
      for (const c of open) c.close();
      await smtp.stop();
    }
  });
  it('slowloris: sessions dripping DATA hold every slot below the reserve, and a new client from an unseen address still delivers', async () => {
    // The DATA bounds are far away here: this is the attack while it lasts.
    const smtp = await startSmtp(db.url, {
      maxClients: 20,
      maxConnectionsPerIp: 2,
      maxConnectionsPerPrefix: 6,
      reserveSlots: 4,
      dataLimits: { graceMs: 120_000, minBytesPerSecond: 1, maxMs: 300_000 },
    });
    const open: RawSmtp[] = [];
    const slow: RawSmtp[] = [];
    const drip = setInterval(() => {
      for (const c of slow) c.write('x');
    }, 100);
    try {
      // 4 networks × 2 addresses × 2 sessions = 16 = 20 − reserve, each one byte at a time in DATA.
      const attackers = [1, 2, 3, 4].flatMap((n) => [`127.6.${n}.1`, `127.6.${n}.2`]);
      const held = await Promise.all(attackers.flatMap((ip) => [hold(smtp.ports.mx, ip), hold(smtp.ports.mx, ip)]));
      open.push(...held.map((a) => a.client));
      expect(held.map((a) => a.code)).toEqual(held.map(() => 220));
      for (const a of held) await transcript(a.client, [['EHLO slow.example', 250], ...ENVELOPE]);
      slow.push(...held.map((a) => a.client));
      // More of the same: refused per address; a seen network gets no reserve slot on MX.
      const more = await Promise.all(['127.6.1.1', '127.6.1.3'].map((ip) => hold(smtp.ports.mx, ip)));
      open.push(...more.map((a) => a.client));
      expect(more.map((a) => `${a.code} ${a.text}`)).toEqual([
        '421 4.7.0 Too many connections from your address, try again later',
        '421 4.3.2 Too many connections, try again later',
      ]);
      // The reserve: a client from an address never seen is served to the end of its message.
      const before = await receipts(smtp);
      const fresh = await hold(smtp.ports.mx, '127.210.0.1');
      open.push(fresh.client);
      expect(fresh.code).toBe(220);
      await transcript(fresh.client, [['EHLO legit.example', 250], ...ENVELOPE]);
      expect((await fresh.client.cmd(MESSAGE)).code).toBe(250);
      expect(await receipts(smtp)).toBe(before + 1);
      // The slow sessions are all still in DATA: nothing answered or closed them.
      expect(slow.filter((c) => c.socket.destroyed)).toEqual([]);
    } finally {
      clearInterval(drip);
      for (const c of open) c.close();
      await smtp.stop();
    }
  });

  it('submission: a seen address let into the reserve is cut with 421 4.7.0 unless it authenticates within probationMs', async () => {
    const smtp = await startSmtp(db.url, { maxClients: 8, maxConnectionsPerIp: 2, maxConnectionsPerPrefix: 8, reserveSlots: 4, probationMs: 500 });
    const port = smtp.ports.submissions;
    const open: RawSmtp[] = [];
    try {
      // 2 addresses × 2 = 4 = 8 − reserve.
      const held = await Promise.all(['127.7.1.1', '127.7.1.1', '127.7.1.2', '127.7.1.2'].map((ip) => hold(port, ip, true)));
      open.push(...held.map((a) => a.client));
      expect(held.map((a) => a.code)).toEqual([220, 220, 220, 220]);
      // A seen network → a reserve slot on probation. This one authenticates at once and keeps it.
      const prompt = await hold(port, '127.7.1.3', true);
      open.push(prompt.client);
      expect(prompt.code).toBe(220);
      await transcript(prompt.client, [['EHLO laptop.example', 250], [`AUTH PLAIN ${Buffer.from(`\0alice@example.test\0${PASSWORD}`).toString('base64')}`, 235]]);
      // Two more do nothing; a third finds half the reserve on probation already and is refused.
      const idle = await Promise.all(['127.7.1.4', '127.7.1.5', '127.7.1.6'].map((ip) => hold(port, ip, true)));
      open.push(...idle.map((a) => a.client));
      expect(idle.map((a) => `${a.code} ${a.text}`)).toEqual([
        expect.stringMatching(/^220 /),
        expect.stringMatching(/^220 /),
        '421 4.3.2 Too many connections, try again later',
      ]);
      for (const a of idle.slice(0, 2)) {
        const cut = await a.client.read();
        expect(`${cut.code} ${cut.text}`).toBe('421 4.7.0 Server busy: authenticate promptly or try again later');
        expect(await a.client.closed()).toBe(true);
      }
      // Its probation began before theirs and so has ended too: the authenticated session stays.
      expect((await prompt.client.cmd('NOOP')).code).toBe(250);
      // An unseen address still finds room in the reserve.
      const fresh = await hold(port, '127.211.0.1', true);
      open.push(fresh.client);
      expect(fresh.code).toBe(220);
    } finally {
      for (const c of open) c.close();
      await smtp.stop();
    }
  });
});

describe('slowloris and timeouts', () => {
  let smtp: RunningSmtp;
  beforeAll(async () => {
    smtp = await startSmtp(db.url, { dataLimits: { graceMs: 400, minBytesPerSecond: 1000, maxMs: 3000 }, preauthTimeoutMs: 400, socketTimeoutMs: 5000 });
  });
  afterAll(async () => {
    await smtp?.stop();
  });

  async function inData() {
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    await transcript(client, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    return client;
  }

  it('cuts DATA sent one byte at a time with 421 4.4.2 and stores nothing', async () => {
    const before = await receipts(smtp);
    const c = await inData();
    const drip = setInterval(() => c.write('x'), 100);
    try {
      const r = await c.read();
      expect([r.code, r.text]).toEqual([421, '4.4.2 Message data too slow, closing connection']);
      expect(await c.closed()).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(await receipts(smtp)).toBe(before);
  });

  it('cuts DATA that keeps up the rate but outlasts the total time with 421 4.4.2 and stores nothing', async () => {
    const before = await receipts(smtp);
    const c = await inData();
    // 500 bytes every 100 ms: five times the minimum rate, and never the final dot.
    const line = 'x'.repeat(498) + '\r\n';
    const steady = setInterval(() => c.write(line), 100);
    try {
      const r = await c.read();
      expect([r.code, r.text]).toEqual([421, '4.4.2 Message data took too long, closing connection']);
      expect(await c.closed()).toBe(true);
    } finally {
      clearInterval(steady);
    }
    expect(await receipts(smtp)).toBe(before);
  });

  it('a message sent at a normal rate is accepted', async () => {
    const c = await inData();
    const r = await c.cmd('From: <s@sender.test>\r\nTo: <alice@example.test>\r\nSubject: fast\r\n\r\n' + 'hello\r\n'.repeat(200) + '.');
    expect(r.code).toBe(250);
    c.close();
  });

  it('closes a session that does nothing after the greeting with the short timeout; after MAIL the long one applies', async () => {
    const idle = await RawSmtp.connect(smtp.ports.mx);
    const started = Date.now();
    expect((await idle.client.read()).code).toBe(421);
    expect(Date.now() - started).toBeLessThan(3000);
    const busy = await RawSmtp.connect(smtp.ports.mx);
    await transcript(busy.client, [['EHLO client.test', 250], ['MAIL FROM:<s@sender.test>', 250]]);
    await new Promise((r) => setTimeout(r, 800)); // twice the short timeout
    expect((await busy.client.cmd('NOOP')).code).toBe(250);
    busy.client.close();
  });
});

describe('PROXY protocol v2 (POSTERN_PROXY_PROTOCOL, POSTERN_TRUSTED_PROXIES)', () => {
  it('the session sees the client address from the header of a trusted proxy; other peers are dropped', async () => {
    const smtp = await startSmtp(db.url, { env: { POSTERN_PROXY_PROTOCOL: '1', POSTERN_TRUSTED_PROXIES: '127.0.0.1/32' } });
    try {
      const socket = net.connect({ port: smtp.ports.mx, host: '127.0.0.1', localAddress: '127.0.0.1' });
      await new Promise((r) => socket.once('connect', r));
      socket.write(proxyV2({ src: '198.51.100.23', sport: 50123 }));
      const { client, greeting } = await RawSmtp.adopt(socket);
      expect(greeting.code).toBe(220);
      await transcript(client, [['EHLO relay.example', 250], ['MAIL FROM:<s@sender.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
      const done = await client.cmd('From: <s@sender.test>\r\nSubject: proxied\r\n\r\nhi\r\n.');
      expect(done.code).toBe(250);
      const queueId = /queued as (\w+)/.exec(done.text)![1];
      const row = (await smtp.pool.query('SELECT client_ip FROM smtp_receipts WHERE queue_id = $1', [queueId])).rows[0];
      expect(row.client_ip).toBe('198.51.100.23');
      client.close();

      // Untrusted peer: dropped without a greeting.
      const stranger = net.connect({ port: smtp.ports.mx, host: '127.0.0.1', localAddress: '127.0.0.2' });
      stranger.on('error', () => {});
      let got = '';
      stranger.on('data', (d) => (got += d));
      stranger.on('connect', () => stranger.write(proxyV2({ src: '198.51.100.24' })));
      await new Promise((r) => stranger.once('close', r));
      expect(got).toBe('');

      // Implicit TLS behind the proxy: header, then the handshake.
      const tlsRaw = net.connect({ port: smtp.ports.submissions, host: '127.0.0.1' });
      await new Promise((r) => tlsRaw.once('connect', r));
      tlsRaw.write(proxyV2({ src: '198.51.100.25', dport: 465 }));
      const secure = await RawSmtp.adopt(tlsRaw, { tls: true });
      expect(secure.greeting.code).toBe(220);
      secure.client.close();
    } finally {
      await smtp.stop();
    }
  });
});
