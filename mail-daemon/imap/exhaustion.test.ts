// Listener exhaustion on IMAP: slots held from many loopback networks leave the reserve to a
// new client; a literal sent one byte at a time is cut; PROXY v2 gives the session the client.
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
