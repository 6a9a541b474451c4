// Listener exhaustion on IMAP: slots held from many loopback networks, idle or dripping a
// literal (slowloris), leave the reserve to a new client; a seen address let into the reserve
// must log in within probationMs; a literal sent too slowly or for too long is cut; PROXY v2
// gives the session the client.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { proxyV2 } from '@/mail-daemon/testing/proxy';
import { trustedPeers } from '../net/proxy-protocol';

let h: ImapHarness;
beforeAll(async () => {
  h = await startImapHarness({
    cleartext: true,
    limits: { maxConnections: 20, maxConnectionsPerIp: 3, maxConnectionsPerPrefix: 6, reserveSlots: 4, commandTransfer: { graceMs: 300, minBytesPerSecond: 1000, maxMs: 3000 } },
  });
});
afterAll(async () => {
  await h?.close();
});

function firstLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      const nl = got.indexOf('\r\n');
      if (nl >= 0) resolve(got.slice(0, nl));
    });
    socket.on('close', () => resolve(got));
    socket.on('error', () => {});
  });
}

async function connectFrom(localAddress: string, port = h.plainPort!): Promise<{ socket: net.Socket; greeting: string }> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  const greeting = firstLine(socket);
  return { socket, greeting: await greeting };
}

describe('IMAP slot exhaustion', () => {
  it('idle sessions from many networks stop at the reserve; a client from an unseen address still gets * OK', async () => {
    const open: net.Socket[] = [];
    try {
      // 8 networks × 2 = 16 = 20 − reserve.
      const attackers = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => [`127.2.${n}.1`, `127.2.${n}.1`]);
      const held = await Promise.all(attackers.map((ip) => connectFrom(ip)));
      open.push(...held.map((c) => c.socket));
      expect(held.every((c) => c.greeting.startsWith('* OK'))).toBe(true);
      // In the reserve: seen addresses (and networks) get a slot on probation (they must log
      // in within probationMs), at most half the reserve; past the per-address limit never.
      const more: string[] = [];
      for (const ip of ['127.2.1.1', '127.2.1.1', '127.2.1.2', '127.2.2.1']) {
        const c = await connectFrom(ip);
        open.push(c.socket);
        more.push(c.greeting.slice(0, 60));
      }
      expect(more).toEqual([
        expect.stringMatching(/^\* OK /),
        '* BYE [UNAVAILABLE] Too many connections from your address',
        expect.stringMatching(/^\* OK /),
        '* BYE [UNAVAILABLE] Too many connections, try again later',
      ]);
      const fresh = await connectFrom('127.202.0.1');
      open.push(fresh.socket);
      expect(fresh.greeting).toMatch(/^\* OK /);
      const tlsFresh = await WireClient.connect(h.port, { tls: true, localAddress: '127.203.0.1' });
      expect(tlsFresh.isClosed).toBe(false);
      tlsFresh.close();
    } finally {
      for (const s of open) s.destroy();
    }
  });

  it('cuts a literal sent one byte every 100 ms with BYE', async () => {
    await expect.poll(() => h.server.connectionCount).toBe(0); // the previous test's sockets are gone
    const { socket, greeting } = await connectFrom('127.3.0.1');
    expect(greeting).toMatch(/^\* OK/);
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.write('A1 LOGIN {400}\r\n');
    const drip = setInterval(() => socket.write('x'), 100);
    await new Promise((r) => socket.once('close', r));
    clearInterval(drip);
    expect(got).toContain('+ Ready for literal data');
    expect(got).toContain('* BYE Command data too slow');
  });

  it('cuts a literal that keeps up the rate but outlasts the total time with BYE', async () => {
    await expect.poll(() => h.server.connectionCount).toBe(0);
    const c = await WireClient.connect(h.plainPort!, { tls: false, localAddress: '127.3.0.2' });
    expect(await c.line()).toMatch(/^\* OK/);
    c.write('A1 LOGIN {60000}\r\n');
    expect(await c.line()).toBe('+ Ready for literal data');
    // 500 bytes every 100 ms: five times the minimum rate; 3 s carry a quarter of the literal.
    const steady = setInterval(() => c.write('x'.repeat(500)), 100);
    try {
      expect(await c.closedLines()).toEqual(['* BYE Command data took too long']);
    } finally {
      clearInterval(steady);
    }
  });

  it('PROXY v2 from the trusted peer: the session sees the client; anyone else is dropped', async () => {
    const proxied = await startImapHarness({ cleartext: true, proxy: { trusted: trustedPeers('127.0.0.77'), timeoutMs: 500 } });
    try {
      const stranger = await connectFrom('127.0.0.78', proxied.plainPort!);
      expect(stranger.greeting).toBe('');
      const socket = net.connect({ port: proxied.plainPort!, host: '127.0.0.1', localAddress: '127.0.0.77' });
      await new Promise((r) => socket.once('connect', r));
      const line = firstLine(socket);
      socket.write(proxyV2({ src: '192.0.2.44', dport: 143 }));
      expect(await line).toMatch(/^\* OK/);
      const sessions = [...(proxied.server as unknown as { sessions: Set<{ conn: { remoteAddress: string } }> }).sessions].map((s) => s.conn.remoteAddress);
      expect(sessions).toEqual(['192.0.2.44']);
      socket.destroy();
    } finally {
      await proxied.close();
    }
  });
});

describe('the reserve under pressure', () => {
  // Tight slots, a short probation, and the literal bounds far away (the attack while it lasts).
  const PASSWORD = 'Reserve-Slot-Password-7';
  let p: ImapHarness;
  beforeAll(async () => {
    p = await startImapHarness({
      cleartext: true,
      limits: { maxConnections: 12, maxConnectionsPerIp: 2, maxConnectionsPerPrefix: 6, reserveSlots: 4, probationMs: 500, commandTransfer: { graceMs: 120_000, minBytesPerSecond: 1, maxMs: 300_000 } },
    });
    await p.addUser('alice@example.test', PASSWORD);
  });
  afterAll(async () => {
    await p?.close();
  });

  async function greeted(localAddress: string, tls = false): Promise<WireClient> {
    const c = await WireClient.connect(tls ? p.port : p.plainPort!, { tls, localAddress });
    expect(await c.line()).toMatch(/^\* OK /);
    return c;
  }

  async function loggedIn(localAddress: string): Promise<WireClient> {
    const c = await greeted(localAddress, true);
    expect((await c.command(`L1 LOGIN alice@example.test ${PASSWORD}`)).at(-1)).toMatch(/^L1 OK/);
    return c;
  }

  it('slowloris: sessions dripping a literal hold every slot below the reserve; a client from an unseen address logs in', async () => {
    const open: WireClient[] = [];
    const slow: WireClient[] = [];
    const drip = setInterval(() => {
      for (const c of slow) c.write('x');
    }, 100);
    try {
      // 2 networks × 2 addresses × 2 sessions = 8 = 12 − reserve, each one byte at a time into a literal.
      const attackers = [1, 2].flatMap((n) => [`127.8.${n}.1`, `127.8.${n}.1`, `127.8.${n}.2`, `127.8.${n}.2`]);
      for (const ip of attackers) {
        const c = await greeted(ip);
        open.push(c);
        c.write('A1 LOGIN {60000}\r\n');
        expect(await c.line()).toBe('+ Ready for literal data');
        slow.push(c);
      }
      const again = await connectFrom('127.8.1.1', p.plainPort!);
      again.socket.destroy();
      expect(again.greeting).toBe('* BYE [UNAVAILABLE] Too many connections from your address');
      const fresh = await loggedIn('127.212.0.1');
      open.push(fresh);
      expect((await fresh.command('N1 NOOP')).at(-1)).toMatch(/^N1 OK/);
      // The slow sessions are all still there: nothing answered or closed them.
      expect(slow.filter((c) => c.isClosed)).toEqual([]);
    } finally {
      clearInterval(drip);
      for (const c of open) c.close();
    }
  });

  it('a seen address let into the reserve is cut with BYE [UNAVAILABLE] unless it logs in within probationMs', async () => {
    await expect.poll(() => p.server.connectionCount).toBe(0);
    const open: WireClient[] = [];
    try {
      // 2 networks × 2 addresses × 2 = 8 = 12 − reserve, idle.
      for (const ip of [1, 2].flatMap((n) => [`127.9.${n}.1`, `127.9.${n}.1`, `127.9.${n}.2`, `127.9.${n}.2`])) open.push(await greeted(ip));
      // A seen network → a reserve slot on probation. This one logs in at once and keeps it.
      const prompt = await loggedIn('127.9.1.3');
      open.push(prompt);
      // Two more do nothing; a third finds half the reserve on probation already and is refused.
      const idle = [await greeted('127.9.1.4'), await greeted('127.9.2.3')];
      open.push(...idle);
      const third = await connectFrom('127.9.2.4', p.plainPort!);
      third.socket.destroy();
      expect(third.greeting).toBe('* BYE [UNAVAILABLE] Too many connections, try again later');
      for (const c of idle) expect(await c.closedLines()).toEqual(['* BYE [UNAVAILABLE] Server busy: log in promptly or try again later']);
      // Its probation began before theirs and so has ended too: the logged-in session stays.
      expect((await prompt.command('N1 NOOP')).at(-1)).toMatch(/^N1 OK/);
      // An unseen address still finds room in the reserve.
      open.push(await greeted('127.213.0.1'));
    } finally {
      for (const c of open) c.close();
    }
  });
});
