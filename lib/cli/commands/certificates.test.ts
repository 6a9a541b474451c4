import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postern as run, type CliResult } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { makeMailbox, openssl, tmpDir, write } from '@/mail-daemon/testing/certificates';

// `postern ca|cert|smime` as a subprocess, checked with the openssl CLI.
let t: TestDatabase;
let tmp: string;

function postern(args: string[], stdin?: string): Promise<CliResult> {
  return run(args, {
    cwd: tmp,
    input: stdin,
    env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data'), POSTERN_SECRET: 'cli-certs-master-key-0123456789', POSTERN_HOSTNAME: 'mx.cli.test' },
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = tmpDir();
});
afterAll(async () => {
  await t.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern ca / cert / smime', { timeout: 180_000 }, () => {
  it('ca create, cert issue, activate, list --json; openssl verifies the chain', async () => {
    const ca = await postern(['ca', 'create', '--cn', 'CLI Root', '--out', 'root.pem', '--json']);
    expect(ca.stderr).toBe('');
    expect(ca.code).toBe(0);
    const { id: caId } = JSON.parse(ca.stdout);
    expect(caId).toMatch(/^[0-9a-f-]{36}$/);
    const issue = await postern(['cert', 'issue', '--hosts', 'mx.cli.test,imap.cli.test']);
    expect(issue.code).toBe(0);
    const id = issue.stdout.match(/^issued ([0-9a-f-]{36}) for mx.cli.test, imap.cli.test/)![1];
    expect((await postern(['cert', 'activate', id])).stdout).toMatch(`activated ${id} for mx.cli.test, imap.cli.test`);
    const list = await postern(['cert', 'list', '--json']);
    const rows = JSON.parse(list.stdout);
    expect(rows).toEqual([expect.objectContaining({ id, hosts: ['mx.cli.test', 'imap.cli.test'], status: 'ACTIVE', notAfter: expect.any(String), fingerprintSha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) })]);
    const pem = await postern(['cert', 'show', id, '--pem']);
    const v = openssl(['verify', '-CAfile', path.join(tmp, 'root.pem'), write(tmp, 'leaf.pem', pem.stdout)]);
    expect(v.out).toMatch(/leaf.pem: OK/);
    const text = await postern(['cert', 'show', id]);
    expect(text.stdout).toMatch(/Subject Alternative Name/);
    const check = await postern(['cert', 'check']);
    // No mail daemon runs here: valid certificates nobody serves are a warning (exit 1).
    expect(check).toMatchObject({ code: 1, stdout: expect.stringMatching(/^CERTIFICATES WARNING - 39\d days left \(soonest\); no mail daemon is alive \|/) });
  });

  it('cert csr prints a CSR (openssl req -verify), cert import takes the signed certificate', async () => {
    const csr = await postern(['cert', 'csr', '--hosts', 'ext.cli.test', '--key', 'rsa-3072']);
    expect(csr.code).toBe(0);
    const id = csr.stderr.match(/pending certificate ([0-9a-f-]{36})/)![1];
    const csrFile = write(tmp, 'req.csr', csr.stdout);
    expect(openssl(['req', '-verify', '-noout', '-in', csrFile]).code).toBe(0);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=Ext CA', '-keyout', `${tmp}/eca.key`, '-out', `${tmp}/eca.pem`]);
    write(tmp, 'ext.cnf', 'subjectAltName=DNS:ext.cli.test\n');
    openssl(['x509', '-req', '-in', csrFile, '-CA', `${tmp}/eca.pem`, '-CAkey', `${tmp}/eca.key`, '-days', '20', '-extfile', `${tmp}/ext.cnf`, '-out', `${tmp}/signed.pem`]);
    const imported = await postern(['cert', 'import', id, '--cert', 'signed.pem']);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(`imported ${id} for ext.cli.test`);
  });

  it('cert upload refuses a wrong key with its named reason (exit 1, one line)', async () => {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=mx.cli.test', '-addext', 'subjectAltName=DNS:mx.cli.test',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-keyout', `${tmp}/u.key`, '-out', `${tmp}/u.pem`]);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${tmp}/other.key`]);
    const bad = await postern(['cert', 'upload', '--cert', 'u.pem', '--key', 'other.key']);
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'postern: keyPem: The private key does not belong to the certificate.\n' });
    const garbage = await postern(['cert', 'upload', '--cert', 'u.key', '--key', 'u.key']);
    expect(garbage.stderr).toMatch(/^postern: certPem: The certificate is not a PEM /);
    const ok = await postern(['cert', 'upload', '--cert', 'u.pem', '--key', 'u.key']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok {2}key_match/);
  });

  it('smime issue ADDRESS --out FILE.p12 --password-stdin: openssl opens it with the password only', async () => {
    await makeMailbox(t.prisma, 'carol@cli.test');
    const r = await postern(['smime', 'issue', 'carol@cli.test', '--out', 'carol.p12', '--password-stdin'], 'p12 secret phrase\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p12 = path.join(tmp, 'carol.p12');
    expect(fs.statSync(p12).mode & 0o777).toBe(0o600);
    const open = openssl(['pkcs12', '-in', p12, '-passin', 'pass:p12 secret phrase', '-nodes']);
    expect(open.code).toBe(0);
    expect(open.out).toMatch(/email:carol@cli.test|carol@cli.test/);
    expect(openssl(['pkcs12', '-in', p12, '-passin', 'pass:nope', '-nodes']).code).not.toBe(0);
    const list = await postern(['smime', 'list', 'carol@cli.test', '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
  });
});
