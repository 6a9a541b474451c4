import { SYSTEM, type Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { databasePolicy, type PolicyReader } from '@/lib/policy';
import { activateCertificate } from './activate-certificate';
import { requestAcmeCertificate } from './acme';
import { expiryOf } from './expiry';
import { issueServerCertificate } from './issue-server-certificate';
import { unsealKey } from './keys';
import { DAY_MS, type KeySpec } from './x509';

export interface RenewalReport {
  warned: { id: string; hosts: string[]; daysLeft: number; threshold: number }[];
  renewed: { oldId: string; newId: string; hosts: string[] }[];
  failed: { id: string; hosts: string[]; error: string }[];
}

/** The key spec that re-creates a certificate's key type and size. */
export function specOf(keyType: string, keySize: number | null): KeySpec {
  if (keyType === 'EC') return 'ec-p256';
  return keySize && keySize >= 4096 ? 'rsa-4096' : 'rsa-3072';
}

// Any fixed number: one daemon at a time runs the renewal pass.
const RENEWAL_LOCK = 4_040_404_041;

/**
 * One pass over the ACTIVE certificates: announce each expiry threshold (30, 14, 7,
 * 3 days) once in the audit log, and renew internal-CA and ACME certificates
 * `renewDaysBefore` (policy) days before they expire — issue, activate (daemons
 * switch on NOTIFY), audit. Safe to run from several daemons: one holds the lock.
 * A renewal keeps the certificate's key, so published TLSA "3 1 1" records stay right
 * (RFC 7671 §8.1); `newKey` asks for a fresh key instead (then the next TLSA record must
 * be published first, or activation refuses).
 */
export async function runRenewalPass(db: Db, options: { now?: Date; actor?: Actor; newKey?: boolean; policy?: PolicyReader } = {}): Promise<RenewalReport | null> {
  const actor = options.actor ?? SYSTEM;
  const now = options.now ?? new Date();
  const report: RenewalReport = { warned: [], renewed: [], failed: [] };
  // The lock lives in its own transaction (one pooled connection held for the pass):
  // a session lock could be taken on one pooled connection and released on another.
  return db.$transaction(
    async (lockTx) => {
      const locked = await lockTx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RENEWAL_LOCK}::bigint) AS ok`;
      if (!locked[0]?.ok) return null;
      return renewalPass(db, options.policy ?? databasePolicy(db), actor, now, report, options.newKey ?? false);
    },
    { timeout: 30 * 60_000, maxWait: 30_000 },
  );
}

async function renewalPass(db: Db, policies: PolicyReader, actor: Actor, now: Date, report: RenewalReport, newKey: boolean): Promise<RenewalReport> {
  const policy = await policies.get();
  const active = await db.certificate.findMany({ where: { status: 'ACTIVE', certPem: { not: null } }, orderBy: { notAfter: 'asc' } });
  for (const cert of active) {
    const expiry = expiryOf(cert.notAfter, now);
    if (expiry.threshold !== null && (cert.expiryWarnedDays === null || expiry.threshold < cert.expiryWarnedDays)) {
      await db.$transaction(async (tx) => {
        await tx.certificate.update({ where: { id: cert.id }, data: { expiryWarnedDays: expiry.threshold } });
        await audit(tx, SYSTEM, 'certificate.expiry_warning', cert.id, undefined, {
          hosts: cert.hosts, notAfter: cert.notAfter, daysLeft: expiry.daysLeft, threshold: expiry.threshold,
        });
      });
      report.warned.push({ id: cert.id, hosts: cert.hosts, daysLeft: expiry.daysLeft ?? 0, threshold: expiry.threshold });
    }
    const renewable = cert.source === 'INTERNAL_CA' || (cert.source === 'ACME' && cert.acmeDirectoryUrl && cert.acmeEmail);
    if (!renewable || !cert.notAfter || cert.notAfter.getTime() - now.getTime() > policy.renewDaysBefore * DAY_MS) continue;
    try {
      const spec = specOf(cert.keyType, cert.keySize);
      const keep = { renewedFromId: cert.id, keyPem: newKey ? undefined : unsealKey(cert.keySealed) };
      const fresh =
        cert.source === 'ACME'
          ? await requestAcmeCertificate(db, actor, { hosts: cert.hosts, email: cert.acmeEmail!, directoryUrl: cert.acmeDirectoryUrl!, keySpec: spec }, keep)
          : await issueServerCertificate(db, actor, { hosts: cert.hosts, keySpec: spec, caId: cert.caId ?? undefined, services: cert.services as never }, keep);
      await activateCertificate(db, actor, fresh.id, now > new Date() ? now : new Date());
      await audit(db, actor, 'certificate.renew', cert.id, { notAfter: cert.notAfter, fingerprintSha256: cert.fingerprintSha256 }, {
        newId: fresh.id, notAfter: fresh.notAfter, fingerprintSha256: fresh.fingerprintSha256, renewDaysBefore: policy.renewDaysBefore, keptKey: !newKey,
      });
      report.renewed.push({ oldId: cert.id, newId: fresh.id, hosts: cert.hosts });
    } catch (err) {
      const error = (err as Error).message.slice(0, 300);
      await audit(db, actor, 'certificate.renew_failed', cert.id, undefined, { hosts: cert.hosts, error });
      report.failed.push({ id: cert.id, hosts: cert.hosts, error });
    }
  }
  return report;
}
