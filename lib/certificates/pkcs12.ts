import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';

// PKCS#12 (RFC 7292) files for S/MIME: the private key in a shrouded key bag, the
// certificate and its CA chain in an encrypted bag, and a password MAC — written
// with asn1js from the RFC's ASN.1 rather than through pkijs's PFX helpers, whose
// password handling differs from what OpenSSL/NSS expect.
//
// Two profiles:
//  - 'aes' (default): PBES2 = PBKDF2-HMAC-SHA256 + AES-256-CBC for key and
//    certificates, HMAC-SHA256 MAC — OpenSSL 3's default, read by current
//    Thunderbird/NSS, macOS and Windows 10+.
//  - 'legacy': pbeWithSHAAnd3-KeyTripleDES-CBC for both bags, HMAC-SHA1 MAC — what
//    older clients (Outlook 2016, older macOS keychains, Android < 12) read. No RC2,
//    so OpenSSL 3 opens it without -legacy.

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha1: '1.3.14.3.2.26',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
} as const;

export type Pkcs12Profile = 'aes' | 'legacy';

export interface Pkcs12Input {
  /** PKCS#8 DER of the private key. */
  keyPkcs8: Buffer;
  /** DER of the certificate the key belongs to. */
  certDer: Buffer;
  /** DER of the CA certificates (issuer first). */
  chainDers?: Buffer[];
  password: string;
  friendlyName?: string;
  profile?: Pkcs12Profile;
  /** PBKDF2 iterations for the 'aes' profile. */
  iterations?: number;
}

const MAC_ITERATIONS = 2048;
const LEGACY_ITERATIONS = 2048;
const AES_ITERATIONS = 100_000;

const ab = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const der = (node: asn1js.AsnType) => Buffer.from(node.toBER(false));
const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const octets = (b: Buffer) => new asn1js.OctetString({ valueHex: ab(b) });
const explicit0 = (...value: asn1js.AsnType[]) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value });
const algorithm = (id: string, params?: asn1js.AsnType) => new asn1js.Sequence({ value: params ? [oid(id), params] : [oid(id)] });

/** BMPString (UTF-16BE) of the password with its two-byte terminator, as the PKCS#12 KDF wants. */
function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** RFC 7292 Appendix B.2: the PKCS#12 key derivation (ID 1 = key, 2 = IV, 3 = MAC key). */
export function pkcs12Kdf(hash: 'sha1' | 'sha256', password: string, salt: Buffer, id: 1 | 2 | 3, iterations: number, n: number): Buffer {
  const u = hash === 'sha1' ? 20 : 32;
  const v = 64;
  const fill = (src: Buffer) => {
    if (!src.length) return Buffer.alloc(0);
    const len = v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length];
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(bmpPassword(password))]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u];
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k] + B[k] + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

/** Encrypts with the profile's scheme; returns the AlgorithmIdentifier and the ciphertext. */
function encrypt(plain: Buffer, password: string, profile: Pkcs12Profile, iterations: number): { alg: asn1js.Sequence; data: Buffer } {
  const salt = randomBytes(profile === 'aes' ? 16 : 8);
  if (profile === 'legacy') {
    const key = pkcs12Kdf('sha1', password, salt, 1, LEGACY_ITERATIONS, 24);
    const iv = pkcs12Kdf('sha1', password, salt, 2, LEGACY_ITERATIONS, 8);
    const cipher = createCipheriv('des-ede3-cbc', key, iv);
    return {
      alg: algorithm(OID.pbeSha1TripleDes, new asn1js.Sequence({ value: [octets(salt), new asn1js.Integer({ value: LEGACY_ITERATIONS })] })),
      data: Buffer.concat([cipher.update(plain), cipher.final()]),
    };
  }
  // PBES2: OpenSSL and NSS feed the password to PBKDF2 as its UTF-8 bytes.
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const kdfParams = new asn1js.Sequence({
    value: [octets(salt), new asn1js.Integer({ value: iterations }), algorithm(OID.hmacWithSha256, new asn1js.Null())],
  });
  return {
    alg: algorithm(OID.pbes2, new asn1js.Sequence({ value: [algorithm(OID.pbkdf2, kdfParams), algorithm(OID.aes256Cbc, octets(iv))] })),
    data: Buffer.concat([cipher.update(plain), cipher.final()]),
  };
}

function attributes(friendlyName: string | undefined, localKeyId: Buffer | undefined): asn1js.Set | undefined {
  const attrs: asn1js.AsnType[] = [];
  if (friendlyName) attrs.push(new asn1js.Sequence({ value: [oid(OID.friendlyName), new asn1js.Set({ value: [new asn1js.BmpString({ value: friendlyName })] })] }));
  if (localKeyId) attrs.push(new asn1js.Sequence({ value: [oid(OID.localKeyId), new asn1js.Set({ value: [octets(localKeyId)] })] }));
  return attrs.length ? new asn1js.Set({ value: attrs }) : undefined;
}

function safeBag(bagId: string, value: asn1js.AsnType, attrs?: asn1js.Set): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(bagId), explicit0(value), ...(attrs ? [attrs] : [])] });
}

function contentInfo(type: string, content: asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(type), explicit0(content)] });
}

/** The .p12 file (DER). */
export function buildPkcs12(input: Pkcs12Input): Buffer {
  const profile = input.profile ?? 'aes';
  const iterations = input.iterations ?? AES_ITERATIONS;
  const localKeyId = createHash('sha1').update(input.certDer).digest();

  // Certificates: leaf (with friendlyName + localKeyId) then the chain, in an encrypted bag.
  const certBags = [input.certDer, ...(input.chainDers ?? [])].map((certDer, i) =>
    safeBag(
      OID.certBag,
      new asn1js.Sequence({ value: [oid(OID.x509Certificate), explicit0(octets(certDer))] }),
      i === 0 ? attributes(input.friendlyName, localKeyId) : undefined,
    ),
  );
  const certContents = der(new asn1js.Sequence({ value: certBags }));
  const certEnc = encrypt(certContents, input.password, profile, iterations);
  const encryptedData = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({
        value: [oid(OID.data), certEnc.alg, new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: ab(certEnc.data) })],
      }),
    ],
  });

  // The key: an EncryptedPrivateKeyInfo in a shrouded key bag, in a plain data bag.
  const keyEnc = encrypt(input.keyPkcs8, input.password, profile, iterations);
  const keyBag = safeBag(OID.shroudedKeyBag, new asn1js.Sequence({ value: [keyEnc.alg, octets(keyEnc.data)] }), attributes(input.friendlyName, localKeyId));
  const keyContents = der(new asn1js.Sequence({ value: [keyBag] }));

  const authSafe = der(new asn1js.Sequence({ value: [contentInfo(OID.encryptedData, encryptedData), contentInfo(OID.data, octets(keyContents))] }));

  // Integrity: HMAC over the AuthenticatedSafe with a PKCS#12-KDF key.
  const macHash = profile === 'aes' ? 'sha256' : 'sha1';
  const macSalt = randomBytes(profile === 'aes' ? 16 : 8);
  const macKey = pkcs12Kdf(macHash, input.password, macSalt, 3, MAC_ITERATIONS, macHash === 'sha1' ? 20 : 32);
  const mac = createHmac(macHash, macKey).update(authSafe).digest();
  const macData = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [algorithm(macHash === 'sha1' ? OID.sha1 : OID.sha256, new asn1js.Null()), octets(mac)] }),
      octets(macSalt),
      new asn1js.Integer({ value: MAC_ITERATIONS }),
    ],
  });

  return der(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 3 }), contentInfo(OID.data, octets(authSafe)), macData] }));
}
