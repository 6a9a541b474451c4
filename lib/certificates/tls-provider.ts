import crypto from 'node:crypto';
import tls from 'node:tls';
import type pg from 'pg';
import { unseal } from '@/lib/crypto/seal';
import type { Logger } from '@/lib/log';
import { ensureActiveCertificate, loadActiveCertificates, type ActiveCertificateRow } from './active-certificates';
import { fingerprintOf } from './self-signed';
import { chooseServed } from './hosts';

/** The listeners a certificate can be restricted to (certificates.services; empty = all). */
export type TlsService = 'smtp' | 'submission' | 'imap';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** One ACTIVE certificate, ready to serve. */
export interface ServedCertificate {
  id: string;
  hosts: string[];
  services: string[];
  fingerprint: string;
  notAfter: Date | null;
  context: tls.SecureContext;
  /** Options the context was built from: tls.Server needs them, not the context. */
  options: tls.SecureContextOptions;
}

export interface TlsProviderOptions {
  pool: pg.Pool;
  masterKey: string;
  /** POSTERN_HOSTNAME: the name of the bootstrap certificate. */
  hostname: string;
  /** Reads the minimum protocol version from policy (global). */
  readMinVersion: () => Promise<TlsVersion>;
  log: Logger;
}

/**
 * TLS 1.2 suites: Mozilla's "intermediate" profile (v5.7) — ECDHE key exchange with AEAD
 * only (AES-GCM, ChaCha20-Poly1305), ECDSA before RSA, AES-128 first; no CBC, no CCM,
 * no static RSA, no DHE. TLS 1.3 suites are Node's defaults in Node's order (all AEAD),
 * listed so the option says everything served. Server order wins (honorCipherOrder).
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * Refuses client-initiated renegotiation on a server-side TLS socket (Node allows three
 * per ten minutes by default, tls.CLIENT_RENEG_LIMIT): every listener calls this once the
 * handshake is done. A renegotiation attempt then ends the connection with an error.
 */
export function refuseRenegotiation(socket: tls.TLSSocket): void {
  socket.disableRenegotiation();
  // Node only reports the attempt (an 'error' on the socket); ending the connection is ours.
  socket.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ERR_TLS_RENEGOTIATION_DISABLED') socket.destroy();
  });
}

/** A failed handshake as one log field: the OpenSSL reason when there is one, never a stack. */
export function handshakeFailure(err: Error & { code?: string; reason?: string }): string {
  return err.reason || err.code || err.message;
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void;

/**
 * The TLS contexts served by every listener of a daemon (SMTP, submission, IMAP) and by
 * the panel's HTTPS server,
 * built from the ACTIVE rows of the certificates table. Listeners never keep a
 * context: they ask `secureContext()` / `sniCallback()` per handshake, so `reload()`
 * (on NOTIFY when a certificate is activated, renewed or revoked) takes effect on the next connection.
 */
export class TlsProvider {
  private served: ServedCertificate[] = [];
  private min: TlsVersion = 'TLSv1.2';
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly options: TlsProviderOptions) {}

  /** Loads the ACTIVE certificates, creating the self-signed bootstrap one if there is none. */
  static async open(options: TlsProviderOptions): Promise<TlsProvider> {
    const provider = new TlsProvider(options);
    const { created } = await ensureActiveCertificate(options.pool, options.hostname, options.masterKey);
    if (created) options.log.warn({ hostname: options.hostname }, 'no certificate found: created and activated a self-signed one');
    await provider.reload();
    return provider;
  }

  /** Re-reads policy and the ACTIVE certificates and swaps the contexts in one step. */
  async reload(): Promise<void> {
    const [min, rows] = await Promise.all([this.options.readMinVersion(), loadActiveCertificates(this.options.pool)]);
    const next: ServedCertificate[] = [];
    for (const row of rows) {
      try {
        next.push(this.build(row, min));
      } catch (err) {
        this.options.log.error({ certificateId: row.id, err: (err as Error).message }, 'cannot serve certificate, skipped');
      }
    }
    if (!next.length) {
      // Keep serving what we had rather than nothing at all.
      this.options.log.error('no usable ACTIVE certificate; keeping the previous set');
      if (!this.served.length) throw new Error('no usable ACTIVE certificate');
      return;
    }
    this.served = next;
    this.min = min;
    for (const listener of this.listeners) listener();
  }

  private build(row: ActiveCertificateRow, minVersion: TlsVersion): ServedCertificate {
    const key = unseal(row.keySealed, this.options.masterKey);
    // SSL_OP_NO_RENEGOTIATION: OpenSSL itself answers a client's renegotiation request with a
    // no_renegotiation alert (RFC 5746 §4.4 lets a server refuse), before Node sees it.
    const options: tls.SecureContextOptions = {
      key,
      cert: row.certPem,
      minVersion,
      ciphers: TLS_CIPHERS,
      honorCipherOrder: true,
      secureOptions: crypto.constants.SSL_OP_NO_RENEGOTIATION,
    };
    const context = tls.createSecureContext(options);
    return {
      id: row.id,
      hosts: row.hosts.map((h) => h.toLowerCase()),
      services: row.services,
      fingerprint: fingerprintOf(row.certPem),
      notAfter: row.notAfter,
      context,
      options,
    };
  }

  get minVersion(): TlsVersion {
    return this.min;
  }

  /** Everything currently served (for status reports and the panel). */
  get certificates(): readonly ServedCertificate[] {
    return this.served;
  }

  /** The certificate served to `servername` on `service` (or the default one). */
  pick(servername?: string, service?: TlsService): ServedCertificate {
    return chooseServed(this.served, servername, service)!;
  }

  secureContext(servername?: string, service?: TlsService): tls.SecureContext {
    return this.pick(servername, service).context;
  }

  /** SHA-256 fingerprint of the default certificate (what a client without SNI sees). */
  fingerprint(service?: TlsService): string {
    return this.pick(undefined, service).fingerprint;
  }

  /** For tls.createServer / smtp-server: picks the context per handshake. */
  sniCallback(service?: TlsService): SniCallback {
    return (servername, cb) => cb(null, this.secureContext(servername, service));
  }

  /**
   * Options for `tls.createServer()` / `server.setSecureContext()`: the default
   * certificate (a tls.Server builds its own default context from PEMs) plus SNI.
   */
  serverOptions(service?: TlsService): tls.TlsOptions {
    return { ...this.pick(undefined, service).options, SNICallback: this.sniCallback(service) };
  }

  /** Keeps a tls.Server's default context current across reloads. Returns the unsubscribe. */
  attach(server: tls.Server, service?: TlsService): () => void {
    return this.onChange(() => server.setSecureContext(this.pick(undefined, service).options));
  }

  /** Called after every successful reload (e.g. to re-report the fingerprint). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
