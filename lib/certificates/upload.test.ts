import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { loadIssuingCa, signWithCa } from './authority';
import { createCa } from './create-ca';
import { serverExtensions } from './issue-server-certificate';
import { uploadCertificate } from './upload-certificate';
import { CLI, openssl, tmpDir, useTestEnv } from '@/mail-daemon/testing/certificates';
import { DAY_MS, derToPem, generateKeys, pemToDer, privateKeyToPem } from './x509';

let t: TestDatabase;
let root: string;
let intermediate: string;

async function leafFor(hosts: string[], options: { now?: Date; days?: number } = {}) {
  const ca = await loadIssuingCa(t.prisma);
  const keys = await generateKeys('ec-p256');
  const cert = await signWithCa(ca, { publicKey: keys.publicKey, subject: { commonName: hosts[0] }, validityDays: options.days ?? 90, extensions: serverExtensions(hosts, 'EC'), now: options.now });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyToPem(keys.privateKey) };
}

beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  const ca = await createCa(t.prisma, CLI, { commonName: 'Upload Root', intermediate: { commonName: 'Upload Intermediate' } });
  root = ca.certPem;
  intermediate = ca.intermediate!.certPem;
});
afterAll(async () => t?.drop());

describe('upload: every bad bundle refused with its named reason', () => {
  it('accepts a good certificate + chain + key and names every check it passed', async () => {
    const { certPem, keyPem } = await leafFor(['mx.up.test', 'imap.up.test']);
    const res = await uploadCertificate(t.prisma, CLI, { certPem, chainPem: intermediate, keyPem, hosts: ['mx.up.test', 'imap.up.test'] });
    expect(res.checks.map((c) => [c.name, c.ok])).toEqual([
      ['pem', true], ['key_match', true], ['chain_order', true], ['chain_signature', true], ['validity', true], ['host_coverage', true], ['key_strength', true], ['server_usage', true],
    ]);
    const row = await t.prisma.certificate.findUniqueOrThrow({ where: { id: res.id } });
    expect(row).toMatchObject({ status: 'PENDING', source: 'UPLOADED', hosts: ['mx.up.test', 'imap.up.test'] });
    expect(row.keySealed).not.toContain('PRIVATE');
    // The audit row never carries the key.
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'certificate.upload', target: res.id } });
    expect(JSON.stringify(audit.after)).not.toContain('PRIVATE');
  });

  it('garbage PEM (certificate, chain, key)', async () => {
    const { certPem, keyPem } = await leafFor(['g.up.test']);
    await expect(uploadCertificate(t.prisma, CLI, { certPem: 'hello, I am not a certificate', keyPem, hosts: ['g.up.test'] })).rejects.toMatchObject({ reason: 'garbage_pem', field: 'certPem' });
    const broken = certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    await expect(uploadCertificate(t.prisma, CLI, { certPem: broken, keyPem, hosts: ['g.up.test'] })).rejects.toMatchObject({ reason: 'garbage_pem' });
    await expect(uploadCertificate(t.prisma, CLI, { certPem, chainPem: 'junk', keyPem, hosts: ['g.up.test'] })).rejects.toMatchObject({ reason: 'garbage_pem', field: 'chainPem' });
    await expect(uploadCertificate(t.prisma, CLI, { certPem, keyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', hosts: ['g.up.test'] })).rejects.toMatchObject({ reason: 'garbage_pem', field: 'keyPem' });
  });

  it('wrong key', async () => {
    const a = await leafFor(['k.up.test']);
    const b = await leafFor(['k.up.test']);
    await expect(uploadCertificate(t.prisma, CLI, { certPem: a.certPem, keyPem: b.keyPem, hosts: ['k.up.test'] })).rejects.toMatchObject({
      reason: 'key_mismatch', field: 'keyPem', message: 'The private key does not belong to the certificate.',
    });
  });

  it('chain out of order, and a chain whose signature does not verify', async () => {
    const { certPem, keyPem } = await leafFor(['c.up.test']);
    await expect(uploadCertificate(t.prisma, CLI, { certPem, chainPem: root + intermediate, keyPem, hosts: ['c.up.test'] })).rejects.toMatchObject({ reason: 'chain_order' });
    // A leaf not issued by the given intermediate at all.
    await expect(uploadCertificate(t.prisma, CLI, { certPem, chainPem: root, keyPem, hosts: ['c.up.test'] })).rejects.toMatchObject({ reason: 'chain_order' });
    // Same names and identifiers, tampered signature.
    const der = pemToDer(certPem);
    der[der.length - 1] ^= 0x01;
    const tampered = derToPem(der, 'CERTIFICATE');
    await expect(uploadCertificate(t.prisma, CLI, { certPem: tampered, chainPem: intermediate, keyPem, hosts: ['c.up.test'] })).rejects.toMatchObject({ reason: 'chain_signature' });
  });

  it('expired, and not yet valid', async () => {
    const old = await leafFor(['e.up.test'], { now: new Date(Date.now() - 20 * DAY_MS), days: 10 });
    await expect(uploadCertificate(t.prisma, CLI, { ...old, chainPem: intermediate, hosts: ['e.up.test'] })).rejects.toMatchObject({ reason: 'expired' });
    const future = await leafFor(['f.up.test'], { now: new Date(Date.now() + 2 * DAY_MS) });
    await expect(uploadCertificate(t.prisma, CLI, { ...future, chainPem: intermediate, hosts: ['f.up.test'] })).rejects.toMatchObject({ reason: 'not_yet_valid' });
  });

  it('wrong host (wildcards cover one label only)', async () => {
    const { certPem, keyPem } = await leafFor(['mx.other.test', '*.wild.test']);
    await expect(uploadCertificate(t.prisma, CLI, { certPem, chainPem: intermediate, keyPem, hosts: ['mx.up.test'] })).rejects.toMatchObject({
      reason: 'host_not_covered', message: expect.stringContaining('does not cover mx.up.test'),
    });
    await expect(uploadCertificate(t.prisma, CLI, { certPem, keyPem, hosts: ['a.b.wild.test'] })).rejects.toMatchObject({ reason: 'host_not_covered' });
    const ok = await uploadCertificate(t.prisma, CLI, { certPem, keyPem, hosts: ['imap.wild.test'] });
    expect(ok.hosts).toEqual(['mx.other.test', '*.wild.test']);
  });

  it('weak key (RSA 1024), and a CA certificate as leaf', async () => {
    const dir = tmpDir();
    const r = openssl(['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-days', '30', '-subj', '/CN=weak.up.test', '-addext', 'subjectAltName=DNS:weak.up.test',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`]);
    expect(r.code).toBe(0);
    await expect(uploadCertificate(t.prisma, CLI, { certPem: fs.readFileSync(`${dir}/c.pem`, 'utf8'), keyPem: fs.readFileSync(`${dir}/k.pem`, 'utf8'), hosts: ['weak.up.test'] }))
      .rejects.toMatchObject({ reason: 'weak_key' });
    const ca = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=ca.up.test', '-addext', 'subjectAltName=DNS:ca.up.test',
      '-keyout', `${dir}/ck.pem`, '-out', `${dir}/cc.pem`]);
    expect(ca.code).toBe(0);
    await expect(uploadCertificate(t.prisma, CLI, { certPem: fs.readFileSync(`${dir}/cc.pem`, 'utf8'), keyPem: fs.readFileSync(`${dir}/ck.pem`, 'utf8'), hosts: ['ca.up.test'] }))
      .rejects.toMatchObject({ reason: 'not_server_certificate' });
  });

  it('accepts a PKCS#1 RSA key from openssl and stores it as PKCS#8', async () => {
    const dir = tmpDir();
    openssl(['genrsa', '-traditional', '-out', `${dir}/k.pem`, '3072']);
    const r = openssl(['req', '-x509', '-key', `${dir}/k.pem`, '-days', '30', '-subj', '/CN=rsa.up.test', '-addext', 'subjectAltName=DNS:rsa.up.test',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth', '-out', `${dir}/c.pem`]);
    expect(r.code).toBe(0);
    const keyPem = fs.readFileSync(`${dir}/k.pem`, 'utf8');
    expect(keyPem).toContain('BEGIN RSA PRIVATE KEY');
    const res = await uploadCertificate(t.prisma, CLI, { certPem: fs.readFileSync(`${dir}/c.pem`, 'utf8'), keyPem, hosts: ['rsa.up.test'] });
    const row = await t.prisma.certificate.findUniqueOrThrow({ where: { id: res.id } });
    expect(row).toMatchObject({ keyType: 'RSA', keySize: 3072 });
  });
});
