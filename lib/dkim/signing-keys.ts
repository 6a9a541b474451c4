import { unsealKey } from '@/lib/certificates/keys';
import type { DbOrTx } from '@/lib/audit/types';
import type { DkimAlgorithm } from './dns-record';

export interface DkimSigningKey {
  domainId: string;
  /** The d= of our signatures (the domain's ASCII name). */
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS#8 PEM, unsealed: keep it in memory only, never log it. */
  privateKeyPem: string;
}

/** Every domain's active key, unsealed, for the daemon's signer. */
export async function dkimSigningKeys(db: DbOrTx): Promise<DkimSigningKey[]> {
  const rows = await db.dkimKey.findMany({
    where: { status: 'active' },
    select: { domainId: true, selector: true, algorithm: true, privateKeySealed: true, domain: { select: { name: true } } },
  });
  return rows.map((r) => ({
    domainId: r.domainId,
    domain: r.domain.name,
    selector: r.selector,
    algorithm: r.algorithm as DkimAlgorithm,
    privateKeyPem: unsealKey(r.privateKeySealed),
  }));
}
