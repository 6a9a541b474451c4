import { X509Certificate as NodeX509 } from 'node:crypto';
import { ServiceError } from '@/lib/errors';
import { fingerprintOf, keyOf, pemBlocks, x509 } from './x509';

// A certificate shown the way `openssl x509 -text` shows it: the fields an admin
// checks, plus the full text rendering (@peculiar/x509's TextConverter).

export interface ExtensionView {
  name: string;
  critical: boolean;
  values: string[];
}

export interface CertificateView {
  version: string;
  serial: string;
  signatureAlgorithm: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  subject: string;
  publicKey: string;
  extensions: ExtensionView[];
  fingerprintSha256: string;
  text: string;
  pem: string;
}

const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'Digital Signature'],
  [x509.KeyUsageFlags.nonRepudiation, 'Non Repudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'Key Encipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'Data Encipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'Key Agreement'],
  [x509.KeyUsageFlags.keyCertSign, 'Certificate Sign'],
  [x509.KeyUsageFlags.cRLSign, 'CRL Sign'],
  [x509.KeyUsageFlags.encipherOnly, 'Encipher Only'],
  [x509.KeyUsageFlags.decipherOnly, 'Decipher Only'],
];

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'TLS Web Server Authentication',
  '1.3.6.1.5.5.7.3.2': 'TLS Web Client Authentication',
  '1.3.6.1.5.5.7.3.3': 'Code Signing',
  '1.3.6.1.5.5.7.3.4': 'E-mail Protection',
  '1.3.6.1.5.5.7.3.8': 'Time Stamping',
  '1.3.6.1.5.5.7.3.9': 'OCSP Signing',
};

const SIG_NAMES: Record<string, string> = {
  'ECDSA/SHA-256': 'ecdsa-with-SHA256',
  'ECDSA/SHA-384': 'ecdsa-with-SHA384',
  'RSASSA-PKCS1-v1_5/SHA-256': 'sha256WithRSAEncryption',
  'RSASSA-PKCS1-v1_5/SHA-384': 'sha384WithRSAEncryption',
  'RSASSA-PKCS1-v1_5/SHA-512': 'sha512WithRSAEncryption',
  'RSASSA-PKCS1-v1_5/SHA-1': 'sha1WithRSAEncryption',
};

const hexColons = (hex: string) => (hex.match(/../g) ?? []).join(':').toUpperCase();

function versionOf(der: ArrayBuffer): string {
  // TBSCertificate's first element is "[0] EXPLICIT Version" when not v1.
  const bytes = new Uint8Array(der);
  // SEQUENCE (cert) → SEQUENCE (tbs) → first tag
  let i = 1;
  i += bytes[i] & 0x80 ? (bytes[i] & 0x7f) + 1 : 1;
  i += 1;
  i += bytes[i] & 0x80 ? (bytes[i] & 0x7f) + 1 : 1;
  if (bytes[i] !== 0xa0) return '1 (0x0)';
  const v = bytes[i + 4];
  return `${v + 1} (0x${v.toString(16)})`;
}

function extensionView(ext: x509.Extension): ExtensionView {
  const critical = ext.critical;
  if (ext instanceof x509.BasicConstraintsExtension) {
    return { name: 'Basic Constraints', critical, values: [`CA:${ext.ca ? 'TRUE' : 'FALSE'}${ext.pathLength !== undefined ? `, pathlen:${ext.pathLength}` : ''}`] };
  }
  if (ext instanceof x509.KeyUsagesExtension) {
    return { name: 'Key Usage', critical, values: KEY_USAGE_NAMES.filter(([flag]) => ext.usages & flag).map(([, n]) => n) };
  }
  if (ext instanceof x509.ExtendedKeyUsageExtension) {
    return { name: 'Extended Key Usage', critical, values: ext.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)) };
  }
  if (ext instanceof x509.SubjectKeyIdentifierExtension) {
    return { name: 'Subject Key Identifier', critical, values: [hexColons(ext.keyId)] };
  }
  if (ext instanceof x509.AuthorityKeyIdentifierExtension) {
    return { name: 'Authority Key Identifier', critical, values: ext.keyId ? [hexColons(ext.keyId)] : [] };
  }
  if (ext instanceof x509.SubjectAlternativeNameExtension) {
    const label: Record<string, string> = { dns: 'DNS', ip: 'IP Address', email: 'email', url: 'URI', dn: 'DirName', upn: 'UPN', guid: 'GUID', id: 'Registered ID' };
    return { name: 'Subject Alternative Name', critical, values: ext.names.items.map((n) => `${label[n.type] ?? n.type}:${n.value}`) };
  }
  if (ext instanceof x509.CRLDistributionPointsExtension) {
    const urls = ext.distributionPoints.flatMap((dp) =>
      (dp.distributionPoint?.fullName ?? []).map((gn) => (gn.uniformResourceIdentifier ? `URI:${gn.uniformResourceIdentifier}` : '(other name)')),
    );
    return { name: 'CRL Distribution Points', critical, values: urls };
  }
  return { name: ext.type, critical, values: [Buffer.from(ext.value).toString('hex')] };
}

function publicKeyText(pem: string): string {
  const node = new NodeX509(pem);
  const { keyType, keySize } = keyOf(node);
  const d = node.publicKey.asymmetricKeyDetails ?? {};
  if (keyType === 'RSA') return `RSA Public-Key: (${keySize} bit), Exponent: ${d.publicExponent ?? ''}`;
  if (keyType === 'EC') return `EC Public-Key: (${keySize} bit), NIST CURVE: ${d.namedCurve === 'prime256v1' ? 'P-256' : d.namedCurve}`;
  return keyType;
}

/** Parses the first certificate of a PEM text into the view. */
export function describeCertificate(pemText: string): CertificateView {
  const pem = pemBlocks(pemText)[0];
  if (!pem) throw new ServiceError('invalid', 'not a PEM certificate', 'certPem');
  const cert = new x509.X509Certificate(pem);
  const sig = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
  const sigKey = `${sig.name}/${sig.hash?.name ?? ''}`;
  return {
    version: versionOf(cert.rawData),
    serial: hexColons(cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber),
    signatureAlgorithm: SIG_NAMES[sigKey] ?? sigKey,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subject: cert.subject,
    publicKey: publicKeyText(pem),
    extensions: cert.extensions.map(extensionView),
    fingerprintSha256: fingerprintOf(pem),
    text: x509.TextConverter.serialize(cert.toTextObject()),
    pem,
  };
}
