import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { ServiceError } from '@/lib/errors';
import type { Db } from '@/lib/db/prisma';
import { readEnv } from '@/lib/config/env';
import { createResolver, parseDnsServers, type DnsResolver } from '@/lib/dns/resolver';
import { tlsaPorts } from '@/lib/dns-records/expected';
import { requireGlobalActor } from './access';
import { hostCovered } from './hosts';
import { announceCertificates } from './notify';
import { daneEeRecord, tlsaMatches } from './tlsa';

export interface ActivateOptions {
  /** Activate even though the published TLSA records do not match the new key (the admin saw the warning). */
  confirmTlsaMismatch?: boolean;
  /** The mail host whose TLSA records are compared (default POSTERN_HOSTNAME). */
  host?: string;
  resolver?: DnsResolver;
}

/** The field of the refusal, so the panel and the CLI can offer "activate anyway". */
export const TLSA_MISMATCH_FIELD = 'tlsa';

/**
 * RFC 7671 §8.1: with DANE published for the host (`_<port>._tcp.<host>` has records for a port
 * the DNS page lists: 25, 465, 587, 993 and 143 when offered), a certificate whose key no record
 * at one of those names matches makes DANE clients of that port refuse until DNS catches up.
 * Only the ports whose listeners may serve the certificate count. A failed lookup does not block
 * (DNS trouble must not stop a renewal); a missing record neither.
 */
async function refuseUnpublishedKey(cert: { hosts: string[]; services: string[]; certPem: string }, options: ActivateOptions): Promise<void> {
  const env = readEnv();
  const host = (options.host ?? env.POSTERN_HOSTNAME).toLowerCase().replace(/\.$/, '');
  if (!hostCovered(cert.hosts, host)) return;
  const resolver = options.resolver ?? createResolver({ servers: parseDnsServers(env.POSTERN_DNS_SERVERS), timeoutMs: 3000 });
  const ports = tlsaPorts(env).filter((p) => cert.services.length === 0 || cert.services.includes(p.service));
  const names = [...new Set(ports.map((p) => `_${p.port}._tcp.${host}`))];
  const answers = await Promise.all(names.map(async (name) => ({ name, answer: await resolver.tlsa(name).catch(() => null) })));
  const unmatched = answers
    .filter(({ answer }) => answer?.records.length && !answer.records.some((r) => tlsaMatches(r, cert.certPem)))
    .map(({ name }) => name);
  if (!unmatched.length) return;
  const publish = unmatched.map((name) => `"${name}. IN TLSA ${daneEeRecord(cert.certPem)}"`).join(' and ');
  throw new ServiceError(
    'conflict',
    `no TLSA record at ${unmatched.join(', ')} matches this certificate's key: DANE senders would refuse mail until one does. Publish ${publish} beside the current record, wait for its TTL, then activate (or activate anyway)`,
    TLSA_MISMATCH_FIELD,
  );
}

export interface Activated {
  id: string;
  hosts: string[];
  fingerprintSha256: string | null;
  /** Certificates retired because they served the same host names. */
  retired: string[];
}

/**
 * Makes a certificate the one served for its host names: ACTIVE, other ACTIVE
 * certificates for any of the same names (and the self-signed bootstrap) RETIRED,
 * audited, and NOTIFY CHANNELS.certificates so every daemon swaps its TLS contexts.
 * Refused when the host's published TLSA records do not match the new key, unless confirmed.
 */
export async function activateCertificate(db: Db, actor: Actor, id: string, now = new Date(), options: ActivateOptions = {}): Promise<Activated> {
  requireGlobalActor(actor);
  // Looked up before the transaction: DNS may take seconds, the activation lock must not wait on it.
  const candidate = await db.certificate.findUnique({ where: { id }, select: { hosts: true, services: true, certPem: true } });
  if (candidate?.certPem && !options.confirmTlsaMismatch) {
    await refuseUnpublishedKey({ hosts: candidate.hosts, services: candidate.services, certPem: candidate.certPem }, options);
  }
  return db.$transaction(async (tx) => {
    // Serialise activations: two at once must not both retire each other.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(4040404040)`;
    const cert = await tx.certificate.findUnique({ where: { id } });
    if (!cert) throw new ServiceError('not_found', 'no such certificate', 'id');
    if (!cert.certPem) throw new ServiceError('invalid', 'this request has no signed certificate yet: import it first', 'id');
    if (cert.revokedAt) throw new ServiceError('invalid', 'this certificate was revoked', 'id');
    if (cert.notAfter && cert.notAfter <= now) throw new ServiceError('invalid', 'this certificate has expired', 'id');
    if (cert.notBefore && cert.notBefore > now) throw new ServiceError('invalid', 'this certificate is not valid yet', 'id');
    const others = await tx.certificate.findMany({
      where: { status: 'ACTIVE', id: { not: id }, OR: [{ hosts: { hasSome: cert.hosts } }, { source: 'SELF_SIGNED' }] },
      select: { id: true },
    });
    const retired = others.map((o) => o.id);
    if (retired.length) await tx.certificate.updateMany({ where: { id: { in: retired } }, data: { status: 'RETIRED' } });
    await tx.certificate.update({ where: { id }, data: { status: 'ACTIVE', activatedAt: now } });
    await audit(tx, actor, 'certificate.activate', id, { status: cert.status }, {
      status: 'ACTIVE', hosts: cert.hosts, fingerprintSha256: cert.fingerprintSha256, retired,
      ...(options.confirmTlsaMismatch ? { confirmedTlsaMismatch: true } : {}),
    });
    await announceCertificates(tx, { certificateId: id, reason: 'activate' });
    return { id, hosts: cert.hosts, fingerprintSha256: cert.fingerprintSha256, retired };
  });
}
