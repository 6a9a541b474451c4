import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestCa, selfSigned } from '@/mail-daemon/testing/smtp-sink';
import { associationData, usableRecords, verifyDane } from './dane';
import type { TlsaRecord } from '@/lib/dns/resolver';

// RFC 7672 §3 / RFC 6698 §2.1: TLSA usage, selector and matching type against real certificates.

const ca = createTestCa('DANE Test CA');
const issued = ca.issue(['mx.dane.test']);
const leaf = new X509Certificate(issued.leaf);
const caCert = new X509Certificate(ca.cert);
const chain = [leaf, caCert];
const other = new X509Certificate(selfSigned(['other.test']).cert);
const expired = ca.issue(['mx.dane.test'], { notAfterPast: true });
const expiredChain = [new X509Certificate(expired.leaf), caCert];

const spki = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' });
const rec = (usage: number, selector: number, matchingType: number, data: Buffer): TlsaRecord => ({ usage, selector, matchingType, data });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest();

describe('verifyDane', () => {
  const cases: Array<[string, TlsaRecord[], X509Certificate[], string[], boolean | string]> = [
    ['DANE-EE full certificate, exact', [rec(3, 0, 0, leaf.raw)], chain, ['mx.dane.test'], true],
    ['DANE-EE full certificate, SHA-256', [rec(3, 0, 1, sha256(leaf.raw))], chain, ['mx.dane.test'], true],
    ['DANE-EE full certificate, SHA-512', [rec(3, 0, 2, sha512(leaf.raw))], chain, ['mx.dane.test'], true],
    ['DANE-EE SPKI, exact', [rec(3, 1, 0, spki(leaf))], chain, ['mx.dane.test'], true],
    ['DANE-EE SPKI, SHA-256', [rec(3, 1, 1, sha256(spki(leaf)))], chain, ['mx.dane.test'], true],
    ['DANE-EE SPKI, SHA-512', [rec(3, 1, 2, sha512(spki(leaf)))], chain, ['mx.dane.test'], true],
    ['DANE-EE ignores the name (§3.2.1)', [rec(3, 1, 1, sha256(spki(leaf)))], chain, ['elsewhere.test'], true],
    ['DANE-EE ignores expiry (§3.2.1)', [rec(3, 0, 1, sha256(expiredChain[0].raw))], expiredChain, ['mx.dane.test'], true],
    ['DANE-EE on a self-signed certificate', [rec(3, 0, 1, sha256(other.raw))], [other], ['x'], true],
    ['DANE-EE digest of another certificate', [rec(3, 0, 1, sha256(other.raw))], chain, ['mx.dane.test'], 'no TLSA record matches'],
    ['DANE-EE record naming the CA does not match the leaf', [rec(3, 0, 1, sha256(caCert.raw))], chain, ['mx.dane.test'], 'no TLSA record matches'],
    ['DANE-TA on the CA in the chain, SHA-256', [rec(2, 0, 1, sha256(caCert.raw))], chain, ['mx.dane.test'], true],
    ['DANE-TA on the CA SPKI, SHA-512', [rec(2, 1, 2, sha512(spki(caCert)))], chain, ['mx.dane.test'], true],
    ['DANE-TA checks the name (§3.2.2)', [rec(2, 0, 1, sha256(caCert.raw))], chain, ['elsewhere.test'], 'not valid for elsewhere.test'],
    ['DANE-TA checks expiry', [rec(2, 0, 1, sha256(caCert.raw))], expiredChain, ['mx.dane.test'], 'expired'],
    ['DANE-TA whose CA is not in the chain the server sent', [rec(2, 0, 1, sha256(caCert.raw))], [leaf], ['mx.dane.test'], 'no TLSA record matches'],
    ['DANE-TA on a CA that did not sign the leaf', [rec(2, 0, 1, sha256(other.raw))], [leaf, other], ['mx.dane.test'], 'no TLSA record matches'],
    ['one matching record among several is enough', [rec(3, 0, 1, Buffer.alloc(32)), rec(3, 1, 1, sha256(spki(leaf)))], chain, ['mx.dane.test'], true],
    ['PKIX-EE (1) is not usable for SMTP (§3.1.3)', [rec(1, 0, 1, sha256(leaf.raw))], chain, ['mx.dane.test'], 'no usable'],
    ['PKIX-TA (0) is not usable for SMTP', [rec(0, 0, 1, sha256(caCert.raw))], chain, ['mx.dane.test'], 'no usable'],
    ['unknown matching type is unusable', [rec(3, 0, 3, leaf.raw)], chain, ['mx.dane.test'], 'no usable'],
    ['unknown selector is unusable', [rec(3, 2, 0, leaf.raw)], chain, ['mx.dane.test'], 'no usable'],
    ['no certificate at all', [rec(3, 0, 1, sha256(leaf.raw))], [], ['mx.dane.test'], 'no certificate'],
  ];
  it.each(cases)('%s', (_name, records, certs, names, expected) => {
    const verdict = verifyDane(records, certs, names);
    if (expected === true) expect(verdict.ok).toBe(true);
    else expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining(expected as string) });
  });

  it('associationData hashes what the selector names', () => {
    expect(associationData(leaf, 0, 0)).toEqual(leaf.raw);
    expect(associationData(leaf, 1, 1)).toEqual(sha256(spki(leaf)));
  });

  it('usableRecords keeps DANE-TA and DANE-EE with known selector and matching type', () => {
    const all = [rec(0, 0, 0, leaf.raw), rec(2, 1, 1, leaf.raw), rec(3, 0, 2, leaf.raw), rec(3, 0, 9, leaf.raw), rec(4, 0, 0, leaf.raw)];
    expect(usableRecords(all).map((r) => r.usage)).toEqual([2, 3]);
  });
});
