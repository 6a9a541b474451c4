import type { Db } from '@/lib/db/prisma';
import { exportSmimePkcs12, listSmimeCertificates, type SmimeSummary } from '@/lib/certificates/smime';
import type { MailUser } from './types';

/** The owner's S/MIME certificates (lib/certificates scopes a mailbox actor to its own). */
export function listOwnSmime(db: Db, user: MailUser): Promise<SmimeSummary[]> {
  return listSmimeCertificates(db, user, { mailboxId: user.id });
}

/** The owner's certificate with its key as a .p12, protected by the password the owner chose. */
export function exportOwnSmime(db: Db, user: MailUser, input: { id: string; password: string; legacy: boolean }) {
  return exportSmimePkcs12(db, user, input);
}
