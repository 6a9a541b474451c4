import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { activateCertificate } from './activate-certificate';
import { createCa } from './create-ca';
import { createCsr } from './create-csr';
import { describeCertificate } from './describe-certificate';
import { importSignedCertificate } from './import-signed-certificate';
import { issueServerCertificate } from './issue-server-certificate';
import { listCertificates } from './list-certificates';
import { unsealKey } from './keys';
import { CLI, openssl, tmpDir, useTestEnv, write } from '@/mail-daemon/testing/certificates';
import { pemBlocks } from './x509';

let t: TestDatabase;
beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('internal CA', () => {
  it('creates a root with path length 0 that openssl accepts as a CA, key sealed', async () => {
    const ca = await createCa(t.prisma, CLI, { commonName: 'Postern Test Root', organization: 'Example, Inc.', country: 'de', keySpec: 'ec-p256', validityDays: 3650 });
    const dir = tmpDir();
    const text = openssl(['x509', '-noout', '-text', '-in', write(dir, 'ca.pem', ca.certPem)]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/CA:TRUE, pathlen:0/);
    expect(text.out).toMatch(/Certificate Sign, CRL Sign/);
    expect(text.out).toMatch(/Subject: C = DE, O = "Example, Inc.", CN = Postern Test Root/);
    const row = await t.prisma.certificateAuthority.findUniqueOrThrow({ where: { id: ca.id } });
    expect(row.keySealed).not.toMatch(/PRIVATE KEY/);
    expect(unsealKey(row.keySealed)).toMatch(/BEGIN PRIVATE KEY/);
    expect(row.crlUrl).toBe(`http://mail.example.test:3000/crl/${ca.id}.crl`);
    const audit = await t.prisma.auditLog.findMany({ where: { action: 'ca.create' } });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0].after)).not.toMatch(/PRIVATE/);
  });

  it('issues a server certificate with SANs whose chain `openssl verify` accepts (RSA 3072 root + intermediate)', async () => {
    const ca = await createCa(t.prisma, CLI, {
      commonName: 'Postern RSA Root', keySpec: 'rsa-3072', intermediate: { commonName: 'Postern Issuing CA', keySpec: 'ec-p256' },
    });
    expect(ca.intermediate).toBeDefined();
    const issued = await issueServerCertificate(t.prisma, CLI, { hosts: ['MX.example.test', 'smtp.example.test', 'imap.example.test'], caId: ca.intermediate!.id });
    expect(issued.hosts).toEqual(['mx.example.test', 'smtp.example.test', 'imap.example.test']);
    const [leaf, ...chain] = pemBlocks(issued.certPem);
    expect(chain).toEqual([ca.intermediate!.certPem]);
    const dir = tmpDir();
    const verify = openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', write(dir, 'root.pem', ca.certPem), '-untrusted', write(dir, 'chain.pem', chain.join('')), write(dir, 'leaf.pem', leaf)]);
    expect(verify.err).toBe('');
    expect(verify.out).toMatch(/leaf.pem: OK/);
    const rootText = openssl(['x509', '-noout', '-text', '-in', write(dir, 'r.pem', ca.certPem)]).out;
    expect(rootText).toMatch(/CA:TRUE, pathlen:1/);
    const text = openssl(['x509', '-noout', '-text', '-in', write(dir, 'l.pem', leaf)]).out;
    expect(text).toMatch(/DNS:mx.example.test, DNS:smtp.example.test, DNS:imap.example.test/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(text).toMatch(new RegExp(`URI:http://mail.example.test:3000/crl/${ca.intermediate!.id}.crl`));
    // Without the intermediate the chain does not verify: it really is signed by it.
    expect(openssl(['verify', '-CAfile', `${dir}/root.pem`, `${dir}/leaf.pem`]).code).not.toBe(0);
  });

  it('describes a certificate like `openssl x509 -text`', async () => {
    const issued = await issueServerCertificate(t.prisma, CLI, { hosts: ['view.example.test'], keySpec: 'rsa-3072' });
    const view = describeCertificate(issued.certPem);
    const dir = tmpDir();
    const file = write(dir, 'c.pem', issued.certPem);
    const serial = openssl(['x509', '-noout', '-serial', '-in', file]).out.trim().replace('serial=', '');
    expect(view.version).toBe('3 (0x2)');
    expect(view.serial.replace(/:/g, '')).toBe(serial.replace(/^0+/, '').padStart(view.serial.replace(/:/g, '').length, '0'));
    expect(view.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(view.publicKey).toBe('RSA Public-Key: (3072 bit), Exponent: 65537');
    const names = view.extensions.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Basic Constraints', 'Key Usage', 'Extended Key Usage', 'Subject Key Identifier', 'Authority Key Identifier', 'Subject Alternative Name', 'CRL Distribution Points']));
    expect(view.extensions.find((e) => e.name === 'Key Usage')).toMatchObject({ critical: true, values: ['Digital Signature', 'Key Encipherment'] });
    expect(view.extensions.find((e) => e.name === 'Subject Alternative Name')!.values).toEqual(['DNS:view.example.test']);
    const ski = openssl(['x509', '-noout', '-ext', 'subjectKeyIdentifier', '-in', file]).out.split('\n')[1].trim();
    expect(view.extensions.find((e) => e.name === 'Subject Key Identifier')!.values[0]).toBe(ski);
    expect(view.fingerprintSha256).toBe(openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', file]).out.trim().split('=')[1]);
    expect(view.text).toMatch(/Subject Alternative Name/);
  });
});

describe('CSR for an external CA', () => {
  it('generates a key + CSR that `openssl req -verify` accepts, keeps it PENDING, then imports the signed certificate', async () => {
    const { id, csrPem, hosts } = await createCsr(t.prisma, CLI, { hosts: 'ext.example.test, www.ext.example.test', keySpec: 'rsa-3072', organization: 'Example' });
    expect(hosts).toEqual(['ext.example.test', 'www.ext.example.test']);
    const dir = tmpDir();
    const csrFile = write(dir, 'req.csr', csrPem);
    const verified = openssl(['req', '-verify', '-noout', '-text', '-in', csrFile]);
    expect(verified.code).toBe(0);
    expect(verified.err + verified.out).toMatch(/verify OK|Certificate request self-signature verify OK/);
    expect(verified.out).toMatch(/DNS:ext.example.test, DNS:www.ext.example.test/);
    const pending = await t.prisma.certificate.findUniqueOrThrow({ where: { id } });
    expect(pending).toMatchObject({ status: 'PENDING', source: 'CSR', certPem: null });

    // An "external CA": plain openssl.
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=External CA', '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    write(dir, 'ext.cnf', 'subjectAltName=DNS:ext.example.test,DNS:www.ext.example.test\nextendedKeyUsage=serverAuth\n');
    const signed = openssl(['x509', '-req', '-in', csrFile, '-CA', `${dir}/ca.pem`, '-CAkey', `${dir}/ca.key`, '-CAcreateserial', '-days', '20', '-extfile', `${dir}/ext.cnf`, '-out', `${dir}/signed.pem`]);
    expect(signed.code).toBe(0);
    const certPem = fs.readFileSync(`${dir}/signed.pem`, 'utf8') + fs.readFileSync(`${dir}/ca.pem`, 'utf8');

    // A certificate for a different key is refused: checked against the pending key.
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=ext.example.test', '-keyout', `${dir}/other.key`, '-out', `${dir}/other.csr`]);
    openssl(['x509', '-req', '-in', `${dir}/other.csr`, '-CA', `${dir}/ca.pem`, '-CAkey', `${dir}/ca.key`, '-days', '20', '-extfile', `${dir}/ext.cnf`, '-out', `${dir}/other.pem`]);
    await expect(importSignedCertificate(t.prisma, CLI, { id, certPem: fs.readFileSync(`${dir}/other.pem`, 'utf8') })).rejects.toMatchObject({ reason: 'key_mismatch' });

    const imported = await importSignedCertificate(t.prisma, CLI, { id, certPem });
    expect(imported.checks.every((c) => c.ok)).toBe(true);
    const row = await t.prisma.certificate.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'PENDING', source: 'CSR', hosts: ['ext.example.test', 'www.ext.example.test'], issuer: 'CN=External CA' });
    expect(pemBlocks(row.certPem!)).toHaveLength(2);
    await expect(importSignedCertificate(t.prisma, CLI, { id, certPem })).rejects.toMatchObject({ code: 'conflict' });

    const activated = await activateCertificate(t.prisma, CLI, id);
    expect(activated.fingerprintSha256).toBe(imported.fingerprintSha256);
    const list = await listCertificates(t.prisma, CLI, { status: 'ACTIVE' });
    expect(list.map((c) => c.id)).toContain(id);
    expect(list.find((c) => c.id === id)!.expiry.level).toBe('warning');
  });
});
