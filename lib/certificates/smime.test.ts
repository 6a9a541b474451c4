import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createCa } from './create-ca';
import { buildCrl } from './crl';
import { exportSmimePkcs12, getSmimeCertificatePem, issueSmimeCertificate, listSmimeCertificates } from './smime';
import { revokeSmimeCertificate } from './revoke';
import { CLI, makeMailbox, openssl, tmpDir, useTestEnv, write } from '@/mail-daemon/testing/certificates';
import { pkcs12Kdf } from './pkcs12';
import { derToPem } from './x509';

let t: TestDatabase;
let rootPem: string;
let caId: string;

beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  const ca = await createCa(t.prisma, CLI, { commonName: 'S/MIME Root', keySpec: 'ec-p256' });
  rootPem = ca.certPem;
  caId = ca.id;
  await makeMailbox(t.prisma, 'alice@smime.test');
  await makeMailbox(t.prisma, 'bob@other.test');
});
afterAll(async () => t?.drop());

describe('PKCS#12 key derivation', () => {
  it('matches the RFC 7292 B.2 derivation OpenSSL uses (known vector)', () => {
    // OpenSSL test vector (test/pkcs12_format_test / p12_key.c): "smeg", salt 0A58CF64530D823F, ID 1, iter 1, 24 bytes.
    const key = pkcs12Kdf('sha1', 'smeg', Buffer.from('0A58CF64530D823F', 'hex'), 1, 1, 24);
    expect(key.toString('hex').toUpperCase()).toBe('8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3');
  });
});

describe('S/MIME', () => {
  it('issues a certificate for a mailbox: emailProtection, rfc822Name, digitalSignature + keyEncipherment; openssl verifies it for S/MIME', async () => {
    const issued = await issueSmimeCertificate(t.prisma, CLI, { address: 'Alice@SMIME.test' });
    expect(issued).toMatchObject({ address: 'alice@smime.test', keyType: 'RSA', keySize: 3072 });
    const dir = tmpDir();
    const file = write(dir, 'alice.pem', issued.certPem);
    const text = openssl(['x509', '-noout', '-text', '-in', file]).out;
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+E-mail Protection/);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s+email:alice@smime.test/);
    const root = write(dir, 'root.pem', rootPem);
    for (const purpose of ['smimesign', 'smimeencrypt']) {
      const v = openssl(['verify', '-x509_strict', '-purpose', purpose, '-CAfile', root, file]);
      expect(v.out + v.err).toMatch(/alice.pem: OK/);
    }
    const pub = await getSmimeCertificatePem(t.prisma, CLI, issued.id);
    expect(pub.certPem).toBe(issued.certPem);
  });

  it('a domain admin cannot issue or export for another domain', async () => {
    const d = await t.prisma.domain.findUniqueOrThrow({ where: { name: 'smime.test' } });
    const admin: Actor = { kind: 'admin', id: '00000000-0000-0000-0000-0000000000aa', email: 'da@smime.test', role: 'DOMAIN', domainIds: [d.id] };
    await expect(issueSmimeCertificate(t.prisma, admin, { address: 'bob@other.test' })).rejects.toMatchObject({ code: 'not_found' });
    const bob = await issueSmimeCertificate(t.prisma, CLI, { address: 'bob@other.test' });
    await expect(exportSmimePkcs12(t.prisma, admin, { id: bob.id, password: 'long enough pw' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await listSmimeCertificates(t.prisma, admin)).map((c) => c.address)).not.toContain('bob@other.test');
  });

  for (const legacy of [false, true]) {
    it(`exports a .p12 (${legacy ? 'legacy 3DES/SHA-1' : 'AES-256-CBC + PBKDF2/SHA-256'}) that openssl pkcs12 opens with the password and refuses without`, async () => {
      const issued = await issueSmimeCertificate(t.prisma, CLI, { address: 'alice@smime.test' });
      const password = 'correct horse battery staple';
      const { data, filename } = await exportSmimePkcs12(t.prisma, CLI, { id: issued.id, password, legacy });
      expect(filename).toBe('alice@smime.test.p12');
      const dir = tmpDir();
      const p12 = write(dir, 'a.p12', data);
      const info = openssl(['pkcs12', '-info', '-in', p12, '-passin', `pass:${password}`, '-noout']);
      expect(info.code).toBe(0);
      if (legacy) {
        expect(info.err).toMatch(/MAC: sha1, Iteration 2048/);
        expect(info.err).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
      } else {
        expect(info.err).toMatch(/MAC: sha256, Iteration 2048/);
        expect(info.err).toMatch(/PBES2, PBKDF2, AES-256-CBC, Iteration 100000, PRF hmacWithSHA256/);
      }
      const out = openssl(['pkcs12', '-in', p12, '-passin', `pass:${password}`, '-nodes']);
      expect(out.code).toBe(0);
      expect(out.out).toMatch(/friendlyName: alice@smime.test/);
      expect(out.out).toMatch(/BEGIN PRIVATE KEY/);
      expect(out.out.match(/BEGIN CERTIFICATE/g)).toHaveLength(2); // leaf + CA
      // The key in the file is the certificate's key.
      const keyFile = write(dir, 'k.pem', out.out.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/)![0]);
      const certFile = write(dir, 'c.pem', issued.certPem);
      const m1 = openssl(['pkey', '-in', keyFile, '-pubout']).out;
      const m2 = openssl(['x509', '-in', certFile, '-noout', '-pubkey']).out;
      expect(m1).toBe(m2);
      // Wrong password, and no password at all: refused.
      const wrong = openssl(['pkcs12', '-in', p12, '-passin', 'pass:wrong password', '-nodes']);
      expect(wrong.code).not.toBe(0);
      expect(wrong.err).toMatch(/Mac verify error/);
      const none = openssl(['pkcs12', '-in', p12, '-passin', 'pass:', '-nodes']);
      expect(none.code).not.toBe(0);
      // Audited, without the password.
      const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'smime.export' }, orderBy: { id: 'desc' } });
      expect(JSON.stringify(audit.after)).not.toContain(password);
    });
  }

  // NSS is the library Thunderbird imports .p12 files with: pk12util (Debian libnss3-tools) is the same code path.
  it.skipIf(!fs.existsSync('/usr/bin/pk12util'))('both .p12 profiles import into an NSS database (what Thunderbird does) with the password, and not without', async () => {
    for (const legacy of [false, true]) {
      const issued = await issueSmimeCertificate(t.prisma, CLI, { address: 'alice@smime.test' });
      const { data } = await exportSmimePkcs12(t.prisma, CLI, { id: issued.id, password: 'nss import pw', legacy });
      const dir = tmpDir();
      const p12 = write(dir, 'a.p12', data);
      expect(spawnSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']).status).toBe(0);
      const wrong = spawnSync('pk12util', ['-i', p12, '-d', `sql:${dir}`, '-W', 'wrong', '-K', ''], { encoding: 'utf8' });
      expect(wrong.status).not.toBe(0);
      const ok = spawnSync('pk12util', ['-i', p12, '-d', `sql:${dir}`, '-W', 'nss import pw', '-K', ''], { encoding: 'utf8' });
      expect(ok.stdout + ok.stderr).toMatch(/PKCS12 IMPORT SUCCESSFUL/);
      const keys = spawnSync('certutil', ['-K', '-d', `sql:${dir}`], { encoding: 'utf8' });
      expect(keys.stdout).toMatch(/rsa/);
      const certs = spawnSync('certutil', ['-L', '-d', `sql:${dir}`], { encoding: 'utf8' });
      expect(certs.stdout).toContain('alice@smime.test');
    }
  });

  it('revokes a certificate: it appears in the CA-signed CRL and openssl -crl_check refuses it', async () => {
    const issued = await issueSmimeCertificate(t.prisma, CLI, { address: 'alice@smime.test' });
    const kept = await issueSmimeCertificate(t.prisma, CLI, { address: 'alice@smime.test' });
    await revokeSmimeCertificate(t.prisma, CLI, { id: issued.id, reason: 1 });
    await expect(revokeSmimeCertificate(t.prisma, CLI, { id: issued.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(exportSmimePkcs12(t.prisma, CLI, { id: issued.id, password: 'long enough pw' })).rejects.toMatchObject({ code: 'invalid' });
    const crl = await buildCrl(t.prisma, caId);
    const dir = tmpDir();
    const crlPem = write(dir, 'crl.pem', derToPem(crl, 'X509 CRL'));
    const root = write(dir, 'root.pem', rootPem);
    const text = openssl(['crl', '-in', crlPem, '-CAfile', root, '-noout', '-text']);
    expect(text.err).toMatch(/verify OK/);
    expect(text.out.toLowerCase()).toContain(issued.serial);
    expect(text.out).toMatch(/Key Compromise/);
    expect(text.out).toMatch(/X509v3 CRL Number:\s+1/);
    const revoked = openssl(['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', root, write(dir, 'r.pem', issued.certPem)]);
    expect(revoked.out + revoked.err).toMatch(/certificate revoked/);
    const good = openssl(['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', root, write(dir, 'g.pem', kept.certPem)]);
    expect(good.out).toMatch(/g.pem: OK/);
  });
});
