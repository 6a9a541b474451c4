import { once } from 'node:events';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/log';
import { unseal } from '@/lib/crypto/seal';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { TlsProvider, type TlsVersion } from '@/lib/certificates/tls-provider';

const MASTER = 'test-master-key-0123456789';
let db: TestDatabase;
let pool: pg.Pool;
let minVersion: TlsVersion = 'TLSv1.2';

const open = (hostname = 'mx.example.test') =>
  TlsProvider.open({ pool, masterKey: MASTER, hostname, readMinVersion: async () => minVersion, log: createLogger('test', 'silent') });

async function handshake(provider: TlsProvider, client: tls.ConnectionOptions = {}) {
  const server = tls.createServer(provider.serverOptions('smtp'), (s) => s.end());
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<{ fingerprint: string; version: string | null }>((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...client }, () => {
        resolve({ fingerprint: socket.getPeerCertificate().fingerprint256, version: socket.getProtocol() });
        socket.destroy();
      });
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('TLS provider', () => {
  it('bootstraps exactly one self-signed certificate when two daemons start at once', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const rows = await db.prisma.certificate.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ACTIVE', source: 'SELF_SIGNED', hosts: ['mx.example.test'], keyType: 'EC', keySize: 256 });
    expect(rows[0].keySealed).not.toContain('PRIVATE KEY');
    expect(unseal(rows[0].keySealed, MASTER).toString()).toContain('BEGIN PRIVATE KEY');
    expect(a.fingerprint()).toBe(rows[0].fingerprintSha256);
    expect(b.fingerprint()).toBe(rows[0].fingerprintSha256);
  });

  it('serves the stored certificate, and its fingerprint is the reported one', async () => {
    const provider = await open();
    const served = await handshake(provider, { servername: 'mx.example.test' });
    expect(served.fingerprint).toBe(provider.fingerprint());
    expect(served.version).toBe('TLSv1.3');
  });

  it('refuses TLS 1.1 by default and TLS 1.2 once policy asks for 1.3', async () => {
    const provider = await open();
    await expect(handshake(provider, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })).rejects.toThrow();
    expect((await handshake(provider, { maxVersion: 'TLSv1.2' })).version).toBe('TLSv1.2');
    minVersion = 'TLSv1.3';
    await provider.reload();
    await expect(handshake(provider, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    minVersion = 'TLSv1.2';
    await provider.reload();
  });

  it('chooses the certificate by SNI, falling back to the default', async () => {
    const provider = await open();
    const first = provider.fingerprint();
    // A second ACTIVE certificate for another name (as activating a certificate for a second domain adds).
    const { generateSelfSigned } = await import('@/lib/certificates/self-signed');
    const { seal } = await import('@/lib/crypto/seal');
    const other = await generateSelfSigned('imap.other.test');
    await db.prisma.certificate.create({
      data: { status: 'ACTIVE', source: 'UPLOADED', hosts: ['imap.other.test', '*.wild.test'], certPem: other.certPem, keySealed: seal(other.keyPem, MASTER),
        keyType: 'EC', fingerprintSha256: other.fingerprintSha256, activatedAt: new Date(Date.now() - 86_400_000) },
    });
    await provider.reload();
    expect(provider.certificates).toHaveLength(2);
    expect((await handshake(provider, { servername: 'imap.other.test' })).fingerprint).toBe(other.fingerprintSha256);
    expect((await handshake(provider, { servername: 'a.wild.test' })).fingerprint).toBe(other.fingerprintSha256);
    expect((await handshake(provider, { servername: 'a.b.wild.test' })).fingerprint).toBe(first);
    expect((await handshake(provider, { servername: 'mx.example.test' })).fingerprint).toBe(first);
    expect((await handshake(provider)).fingerprint).toBe(first);
  });
});
