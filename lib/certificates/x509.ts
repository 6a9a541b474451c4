import 'reflect-metadata';
import { X509Certificate as NodeX509, createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The X.509 toolbox every certificate operation shares: key generation, PEM,
// names, serials, fingerprints. Built on WebCrypto (node:crypto) + @peculiar/x509
// — the product never shells out to openssl.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

export const KEY_SPECS = ['ec-p256', 'rsa-3072', 'rsa-4096'] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export interface KeyDescription {
  keyType: 'EC' | 'RSA';
  keySize: number;
}

export function describeSpec(spec: KeySpec): KeyDescription {
  if (spec === 'ec-p256') return { keyType: 'EC', keySize: 256 };
  return { keyType: 'RSA', keySize: spec === 'rsa-3072' ? 3072 : 4096 };
}

function algorithmFor(spec: KeySpec): RsaHashedKeyGenParams | EcKeyGenParams {
  if (spec === 'ec-p256') return { name: 'ECDSA', namedCurve: 'P-256' };
  return {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: describeSpec(spec).keySize,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
}

export async function generateKeys(spec: KeySpec): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithmFor(spec), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The signature algorithm a key signs with (SHA-256 in both families). */
export function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

/**
 * A PKCS#8 (or PKCS#1 / SEC1) PEM private key as a WebCrypto signing key. Returns the
 * key plus its PKCS#8 DER (for PKCS#12) and its type and size.
 */
export async function importPrivateKey(pem: string): Promise<{ key: CryptoKey; pkcs8: Buffer } & KeyDescription> {
  const ko = createPrivateKey(pem);
  const pkcs8 = ko.export({ format: 'der', type: 'pkcs8' }) as Buffer;
  const details = ko.asymmetricKeyDetails ?? {};
  if (ko.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1' && details.namedCurve !== 'secp384r1') {
      throw new Error(`unsupported EC curve ${details.namedCurve}`);
    }
    const curve = details.namedCurve === 'prime256v1' ? 'P-256' : 'P-384';
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve }, true, ['sign']);
    return { key, pkcs8, keyType: 'EC', keySize: curve === 'P-256' ? 256 : 384 };
  }
  if (ko.asymmetricKeyType === 'rsa') {
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    return { key, pkcs8, keyType: 'RSA', keySize: details.modulusLength ?? 0 };
  }
  throw new Error(`unsupported key type ${ko.asymmetricKeyType}`);
}

/**
 * An existing private key (PEM) as a WebCrypto key pair, for a renewal that keeps the key: its
 * TLSA "3 1 1" record (RFC 7671 §5.1) stays right across the renewal.
 */
export async function importKeyPair(pem: string): Promise<{ keys: CryptoKeyPair } & KeyDescription> {
  const { key, keyType, keySize } = await importPrivateKey(pem);
  const spki = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, key.algorithm as EcKeyImportParams | RsaHashedImportParams, true, ['verify']);
  return { keys: { privateKey: key, publicKey } as CryptoKeyPair, keyType, keySize };
}

/** A positive 128-bit serial, hexadecimal lower-case (RFC 5280: at most 20 octets, unpredictable). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return bytes.toString('hex');
}

export interface SubjectFields {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  state?: string;
  locality?: string;
  email?: string;
}

/** A distinguished name in the JSON form @peculiar/x509 encodes (no string escaping pitfalls). */
export function subjectName(s: SubjectFields): x509.JsonName {
  const name: x509.JsonName = [];
  if (s.country) name.push({ C: [s.country] });
  if (s.state) name.push({ ST: [s.state] });
  if (s.locality) name.push({ L: [s.locality] });
  if (s.organization) name.push({ O: [s.organization] });
  if (s.organizationalUnit) name.push({ OU: [s.organizationalUnit] });
  name.push({ CN: [s.commonName] });
  if (s.email) name.push({ E: [s.email] });
  return name;
}

export function pemToDer(pem: string): Buffer {
  return Buffer.from(x509.PemConverter.decodeFirst(pem));
}

/** Every PEM block of a type in a text, in order. */
export function pemBlocks(text: string, type = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${type}-----[\\s\\S]*?-----END ${type}-----`, 'g');
  return (text.match(re) ?? []).map((b) => b + '\n');
}

/** "AB:CD:…" — the form `openssl x509 -fingerprint -sha256` and Node print. */
export function fingerprintOf(pem: string): string {
  return new NodeX509(pem).fingerprint256;
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  keyType: string;
  keySize: number | null;
  fingerprintSha256: string;
  /** DNS names and IP addresses of the subjectAltName (CN when there is none). */
  hosts: string[];
}

export function keyOf(cert: NodeX509): { keyType: string; keySize: number | null } {
  const pk = cert.publicKey;
  const d = pk.asymmetricKeyDetails ?? {};
  if (pk.asymmetricKeyType === 'rsa') return { keyType: 'RSA', keySize: d.modulusLength ?? null };
  if (pk.asymmetricKeyType === 'ec') {
    return { keyType: 'EC', keySize: d.namedCurve === 'prime256v1' ? 256 : d.namedCurve === 'secp384r1' ? 384 : d.namedCurve === 'secp521r1' ? 521 : null };
  }
  return { keyType: (pk.asymmetricKeyType ?? 'unknown').toUpperCase(), keySize: null };
}

export function hostsOf(cert: NodeX509): string[] {
  const san = cert.subjectAltName;
  if (san) {
    return san
      .split(', ')
      .map((entry) => entry.match(/^(DNS|IP Address):(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => m[2].toLowerCase());
  }
  const cn = cert.subject.match(/(?:^|\n)CN=(.*)/);
  return cn ? [cn[1].toLowerCase()] : [];
}

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}

/** The certificates-table columns every way of adding a certificate fills from its facts. */
export function certificateColumns(facts: CertificateFacts) {
  const { subject, issuer, serial, notBefore, notAfter, fingerprintSha256 } = facts;
  return { subject, issuer, serial, notBefore, notAfter, fingerprintSha256 };
}

/** Each of certificateColumns' fields under its name in the certificates table (prisma/schema.prisma @map). */
const CERTIFICATE_SQL_NAMES = {
  subject: 'subject',
  issuer: 'issuer',
  serial: 'serial',
  notBefore: 'not_before',
  notAfter: 'not_after',
  fingerprintSha256: 'fingerprint_sha256',
} as const satisfies Record<keyof ReturnType<typeof certificateColumns>, string>;

/** certificateColumns for a writer on a plain pg connection: SQL column names and their values, in one order. */
export function certificateSqlColumns(facts: CertificateFacts): { names: string[]; values: unknown[] } {
  const columns = certificateColumns(facts);
  const keys = Object.keys(columns) as (keyof typeof columns)[];
  return { names: keys.map((k) => CERTIFICATE_SQL_NAMES[k]), values: keys.map((k) => columns[k]) };
}

export function factsOf(pem: string): CertificateFacts {
  const cert = new NodeX509(pem);
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serial: cert.serialNumber.toLowerCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    ...keyOf(cert),
    fingerprintSha256: cert.fingerprint256,
    hosts: hostsOf(cert),
  };
}

export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

export const DAY_MS = 86_400_000;

/** DER → PEM with the given label ("CERTIFICATE", "X509 CRL"…). */
export function derToPem(der: Buffer | ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
