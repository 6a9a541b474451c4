import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { certificateSqlColumns, factsOf } from '@/lib/certificates/x509';
import { seal } from '@/lib/crypto/seal';
import { withTransaction } from '@/lib/db/transaction';
import { generateSelfSigned } from './self-signed';

/** An ACTIVE certificate row as the TLS listeners need it (key still sealed). */
export interface ActiveCertificateRow {
  id: string;
  hosts: string[];
  services: string[];
  certPem: string;
  keySealed: string;
  fingerprintSha256: string | null;
  notAfter: Date | null;
}

// Any fixed number: every daemon that bootstraps a certificate takes the same lock,
// so two daemons starting at once create one certificate, not two.
const BOOTSTRAP_LOCK = 7_265_913_403;

const SELECT_ACTIVE = `
  SELECT id, hosts, services, cert_pem, key_sealed, fingerprint_sha256, not_after
  FROM certificates
  WHERE status = 'ACTIVE' AND cert_pem IS NOT NULL
  ORDER BY activated_at DESC NULLS LAST, created_at DESC`;

interface Row {
  id: string;
  hosts: string[] | null;
  services: string[] | null;
  cert_pem: string;
  key_sealed: string;
  fingerprint_sha256: string | null;
  not_after: Date | null;
}

interface Queryable {
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** ACTIVE certificates, most recently activated first (the first one is the default). */
export async function loadActiveCertificates(db: Queryable): Promise<ActiveCertificateRow[]> {
  const { rows } = await db.query<Row>(SELECT_ACTIVE);
  return rows.map((r) => ({
    id: r.id,
    hosts: r.hosts ?? [],
    services: r.services ?? [],
    certPem: r.cert_pem,
    keySealed: r.key_sealed,
    fingerprintSha256: r.fingerprint_sha256,
    notAfter: r.not_after,
  }));
}

/**
 * Returns the ACTIVE certificates, first creating a self-signed one for `hostname`
 * (source SELF_SIGNED, status ACTIVE) when there is none. Concurrent callers in
 * several processes serialise on an advisory lock and re-check under it.
 */
export async function ensureActiveCertificate(pool: pg.Pool, hostname: string, masterKey: string): Promise<{ rows: ActiveCertificateRow[]; created: boolean }> {
  const existing = await loadActiveCertificates(pool);
  if (existing.length) return { rows: existing, created: false };
  // Under the lock: another daemon's certificate if it won the race, else null once ours is inserted.
  const theirs = await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    const again = await loadActiveCertificates(client);
    if (again.length) return again;
    const cert = await generateSelfSigned(hostname);
    // The facts read back from the certificate, mapped to columns as every other way of adding one does.
    const facts = factsOf(cert.certPem);
    const columns = certificateSqlColumns(facts);
    const values = [randomUUID(), [hostname], facts.keyType, facts.keySize, cert.certPem, seal(cert.keyPem, masterKey), ...columns.values];
    await client.query(
      `INSERT INTO certificates (id, status, source, hosts, key_type, key_size, cert_pem, key_sealed, services, activated_at, ${columns.names.join(', ')})
       VALUES ($1, 'ACTIVE', 'SELF_SIGNED', $2, $3, $4, $5, $6, ARRAY[]::text[], now(), ${columns.values.map((_, i) => `$${i + 7}`).join(', ')})`,
      values,
    );
    return null;
  });
  if (theirs) return { rows: theirs, created: false };
  return { rows: await loadActiveCertificates(pool), created: true };
}
