import 'server-only';
import {
  certificateStatus,
  describeCertificate,
  getCertificate,
  listCas,
  listCertificates,
  listSmimeCertificates,
  type CertificateStatusReport,
  type CertificateSummary,
  type CertificateView,
  type SmimeSummary,
} from '@/lib/certificates';
import { readEnv } from '@/lib/config/env';
import { hostNamePrefill } from '@/lib/dns-records/host-name';
import { isServiceError } from '@/lib/errors';
import { db } from './db';
import { requireAdmin, requireGlobalAdmin } from './session';

export type { CertificateStatusReport, CertificateSummary, CertificateView, SmimeSummary };

export type CaSummary = Awaited<ReturnType<typeof listCas>>[number];

export type CertificatesOverview =
  | { global: false }
  | { global: true; certs: CertificateSummary[]; cas: CaSummary[]; status: CertificateStatusReport };

/** Server certificates, CAs and what the daemons serve, for global admins; a domain admin only learns that it is not theirs. */
export async function getCertificatesOverview(): Promise<CertificatesOverview> {
  const admin = await requireAdmin();
  if (admin.role !== 'GLOBAL') return { global: false };
  const database = db();
  const [certs, cas, status] = await Promise.all([listCertificates(database, admin), listCas(database, admin), certificateStatus(database)]);
  return { global: true, certs, cas, status };
}

export type CertificateDetail = CertificateSummary & {
  /** The parsed certificate; null while a CSR waits for its signed certificate. */
  view: CertificateView | null;
  hasCsr: boolean;
};

/** One server certificate as the detail page shows it (parsed here, no PEM leaves the server); null when there is none. */
export async function getCertificateDetail(id: string): Promise<CertificateDetail | null> {
  const admin = await requireGlobalAdmin();
  const cert = await getCertificate(db(), admin, id).catch((err: unknown) => {
    if (isServiceError(err) && err.code === 'not_found') return null;
    throw err;
  });
  if (!cert) return null;
  const { certPem, csrPem, ...summary } = cert;
  return { ...summary, view: certPem ? describeCertificate(certPem) : null, hasCsr: Boolean(csrPem) };
}

/** S/MIME certificates of the admin's mailboxes, optionally for one address. */
export async function getSmimeCertificates(address?: string): Promise<SmimeSummary[]> {
  const admin = await requireAdmin();
  return listSmimeCertificates(db(), admin, { address: address || undefined });
}

/** CSRs generated here that still wait for the external CA's answer. */
export async function getPendingCsrs(): Promise<{ id: string; hosts: string[] }[]> {
  const admin = await requireGlobalAdmin();
  const pending = await listCertificates(db(), admin, { status: 'PENDING' });
  return pending.filter((c) => c.awaitingCertificate && c.source === 'CSR').map((c) => ({ id: c.id, hosts: c.hosts }));
}

/** CAs that may sign a server certificate now: end-entity issuers (path length 0) not expired. */
export async function getIssuingCas(): Promise<{ id: string; name: string }[]> {
  const admin = await requireGlobalAdmin();
  const cas = await listCas(db(), admin);
  return cas.filter((c) => c.pathLen === 0 && c.expiry.level !== 'expired').map((c) => ({ id: c.id, name: c.name }));
}

/** The host names a new server certificate starts with: this server's MX, submission and IMAP names. */
export async function getCertificateHostPrefill(): Promise<ReturnType<typeof hostNamePrefill>> {
  await requireGlobalAdmin();
  return hostNamePrefill(readEnv().POSTERN_HOSTNAME);
}

/** What the daemons serve and when it expires, for the dashboard's card (every admin sees whether mail is encrypted). */
export async function getCertificateStatus(): Promise<CertificateStatusReport> {
  await requireAdmin();
  return certificateStatus(db());
}
