// What the IMAP and POP3 listeners share below their protocols: a plain TCP server (for the
// implicit-TLS ports too, since a PROXY header precedes the handshake and the connection slot
// is taken before it), the PROXY header when a load balancer sends one, and waiting for a
// socket to drain.
import net from 'node:net';
import type { Logger } from '@/lib/log';
import { readProxyHeader, type ProxyProtocolOptions } from './proxy-protocol';
import { normalizeIp } from './slots';

/** Listens on `port` (0: any free one); resolves once bound, or rejects with the bind error. */
export async function listenTcp(port: number, host: string, o: { name: string; log: Logger; maxConnections: number; onSocket: (socket: net.Socket) => void }): Promise<net.Server> {
  const server = net.createServer(o.onSocket);
  // A backstop only: the connection slots refuse first, in the protocol's own words.
  server.maxConnections = o.maxConnections;
  server.on('error', (err) => o.log.error({ err: err.message }, `${o.name} listener error`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * A new connection: no Nagle delay on replies, socket errors logged, then `admit` with the
 * client's address — the socket's peer, or the one the PROXY header gives when `proxy` is set
 * (a refused header drops the connection).
 */
export function acceptConnection(raw: net.Socket, o: { name: string; log: Logger; proxy?: ProxyProtocolOptions | null }, admit: (ip: string) => void): void {
  raw.setNoDelay(true);
  raw.on('error', (err) => o.log.debug({ err: err.message }, `${o.name} socket error`));
  if (!o.proxy) return admit(normalizeIp(raw.remoteAddress));
  void readProxyHeader(raw, o.proxy).then((outcome) => {
    if (outcome.ok) return admit(outcome.remoteAddress);
    o.log.info({ peer: normalizeIp(raw.remoteAddress), reason: outcome.reason }, `${o.name} connection dropped: PROXY header refused`);
    raw.destroy();
  });
}

/** Resolves when `socket` has room for more writes again, or has closed. */
export function drained(socket: net.Socket): Promise<void> {
  if (socket.destroyed || !socket.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
