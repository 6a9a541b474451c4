import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { peerChain } from './dane';
import { SmtpError } from './smtp-reply';

// The socket under the SMTP client: TCP, or TLS from the first byte (RFC 8314 §3); the
// STARTTLS handshake (RFC 3207); and the TLS facts read from it. No handshake refuses a
// certificate: the transport judges these facts (PKIX, DANE, MTA-STS) before any
// envelope is sent.

export interface TlsInfo {
  protocol: string | null;
  cipher: string | null;
  /** The chain verified to one of our trust anchors (node's `authorized`). */
  authorized: boolean;
  authorizationError: string | null;
  /** Leaf first. */
  chain: X509Certificate[];
  /** tls.checkServerIdentity against the name we connected for; null when it passes. */
  identityError: string | null;
}

export interface SocketOptions {
  /** The address to connect to (an IP, or a name resolved by the OS for smarthosts). */
  host: string;
  port: number;
  /** The MX (or smarthost) name: SNI and the reference identity for the certificate. */
  servername: string;
  /** RFC 8314 §3: TLS from the first byte. */
  implicitTls?: boolean;
  /** Trust anchors for PKIX verification (default: node's root store). */
  ca?: string[];
}

/** Opens the connection (and with implicit TLS, completes the handshake) within timeoutMs. */
export function openSocket(opts: SocketOptions, timeoutMs: number): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = opts.implicitTls
      ? tls.connect({ host: opts.host, port: opts.port, ...tlsOptions(opts) })
      : net.connect({ host: opts.host, port: opts.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new SmtpError('connect', `connection to ${opts.host}:${opts.port} timed out`));
    }, timeoutMs);
    s.once(opts.implicitTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    // With implicit TLS, an error after the TCP connect is a failed handshake.
    let tcpUp = false;
    if (opts.implicitTls) s.once('connect', () => (tcpUp = true));
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      s.destroy();
      reject(
        tcpUp
          ? new SmtpError('tls', `TLS handshake with ${opts.host}:${opts.port} failed: ${err.message}`)
          : new SmtpError('connect', `connection to ${opts.host}:${opts.port} failed: ${err.code ?? err.message}`),
      );
    });
  });
}

/** The STARTTLS handshake over the cleartext socket, within timeoutMs. */
export function upgradeSocket(plain: net.Socket, opts: SocketOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: plain, ...tlsOptions(opts) });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new SmtpError('timeout', 'TLS handshake timed out'));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      s.destroy();
      reject(new SmtpError('tls', `TLS handshake failed: ${err.message}`));
    });
  });
}

function tlsOptions(opts: SocketOptions): tls.ConnectionOptions {
  return {
    // SNI carries host names only (RFC 6066 §3).
    servername: net.isIP(opts.servername) ? undefined : opts.servername,
    minVersion: 'TLSv1.2',
    ca: opts.ca,
    // We decide on the certificate ourselves once the handshake is done (PKIX, DANE or MTA-STS).
    rejectUnauthorized: false,
  };
}

export function tlsInfo(socket: tls.TLSSocket, servername: string): TlsInfo {
  const cipher = socket.getCipher();
  const peer = socket.getPeerCertificate();
  let identityError: string | null = null;
  if (!peer || !peer.raw) identityError = 'no certificate';
  else {
    const err = tls.checkServerIdentity(servername, peer);
    if (err) identityError = err.message;
  }
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
    chain: peerChain(socket),
    identityError,
  };
}
