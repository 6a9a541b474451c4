import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postern as run, type CliResult } from '@/mail-daemon/testing/cli';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// The real CLI as a subprocess, the way an admin runs it.
let t: TestDatabase;
let tmp: string;

function postern(args: string[], stdin?: string): Promise<CliResult> {
  // Not the repo root as cwd: the launcher must find its tsconfig itself.
  return run(args, { cwd: tmp, input: stdin, env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data') } });
}

beforeAll(async () => {
  t = await createTestDatabase({ migrated: false }); // the CLI migrates it
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-cli-'));
});
afterAll(async () => {
  await t.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// Each run starts Node + tsx + Prisma (1–3 s on a busy 2-core box); a test makes several.
describe('postern CLI', { timeout: 120_000 }, () => {
  it('domain add migrates an empty database, then adds; list --json', async () => {
    expect(await postern(['domain', 'add', 'Bücher.Example'])).toMatchObject({ code: 0, stdout: 'added xn--bcher-kva.example\n' });
    expect((await postern(['domain', 'add', 'example.test'])).code).toBe(0);
    const list = await postern(['domain', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((d: { name: string }) => d.name)).toEqual(['example.test', 'xn--bcher-kva.example']);
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'domain.add' } });
    expect(audit.actor).toBe(`cli:${os.userInfo().username}`);
  });

  it('bad input exits 1 with one line naming the field, no stack', async () => {
    const r = await postern(['mailbox', 'add', 'alice@example.test', '--quota', '2X', '--password', 'Strong-Password-1']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'postern: quota: "2X" is not a size (use 500M, 2G…)\n' });
    const d = await postern(['domain', 'add', 'not a domain']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/^postern: name: .*spaces.*\n$/);
    const dup = await postern(['domain', 'add', 'EXAMPLE.test']);
    expect(dup).toMatchObject({ code: 1, stderr: 'postern: name: example.test already exists\n' });
    const usage = await postern(['mailbox', 'add']);
    expect(usage).toMatchObject({ code: 1, stderr: "postern: missing required argument 'address'\n" });
    expect((await postern(['nonsense'])).code).toBe(1);
  });

  it('mailbox add with --password-stdin, --quota and --name; weak password refused', async () => {
    const r = await postern(['mailbox', 'add', 'Alice@Example.test', '--password-stdin', '--quota', '2G', '--name', 'Alice A'], 'Strong-Password-1\n');
    expect(r).toMatchObject({ code: 0, stdout: 'created alice@example.test (quota 2 GiB)\n' });
    expect((await verifyMailboxLogin(t.prisma, { address: 'alice@example.test', password: 'Strong-Password-1', ip: '127.0.0.1', service: 'smtp' })).ok).toBe(true);
    const weak = await postern(['mailbox', 'add', 'weak@example.test', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^postern: password: too weak: at least 12 characters/);
  });

  it('mailbox add without a password prints a generated one once', async () => {
    const r = await postern(['mailbox', 'add', 'bob@example.test']);
    expect(r.code).toBe(0);
    const pw = /password: (\S+)/.exec(r.stdout)![1];
    expect((await verifyMailboxLogin(t.prisma, { address: 'bob@example.test', password: pw, ip: '127.0.0.1', service: 'imap' })).ok).toBe(true);
  });

  it('mailbox list, --domain, --json', async () => {
    const r = await postern(['mailbox', 'list', '--domain', 'example.test', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((m: { address: string }) => m.address)).toEqual(['alice@example.test', 'bob@example.test']);
    expect(rows[0]).toMatchObject({ displayName: 'Alice A', quotaBytes: 2 * 1024 ** 3, enabled: true });
    expect(JSON.stringify(rows)).not.toMatch(/argon2|passwordHash/);
    const text = await postern(['mailbox', 'list']);
    expect(text.stdout).toMatch(/^ADDRESS\s+NAME\s+ENABLED\s+USED\s+QUOTA\nalice@example.test\s+Alice A\s+yes\s+0 B\s+2 GiB\n/);
    expect((await postern(['mailbox', 'list', '--domain', 'nowhere.test'])).stderr).toBe('postern: domain: no domain nowhere.test (add it first)\n');
  });

  it('mailbox passwd from stdin; disable, enable, rm', async () => {
    expect((await postern(['mailbox', 'passwd', 'alice@example.test'], 'Another-Password-2\n')).code).toBe(0);
    expect((await verifyMailboxLogin(t.prisma, { address: 'alice@example.test', password: 'Another-Password-2', ip: '127.0.0.1', service: 'imap' })).ok).toBe(true);
    expect((await postern(['mailbox', 'disable', 'alice@example.test'])).stdout).toBe('disabled alice@example.test\n');
    expect((await t.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } })).enabled).toBe(false);
    expect((await postern(['mailbox', 'enable', 'alice@example.test'])).code).toBe(0);
    expect((await postern(['mailbox', 'rm', 'bob@example.test'])).code).toBe(0);
    expect(await postern(['mailbox', 'rm', 'bob@example.test'])).toMatchObject({ code: 1, stderr: 'postern: address: no mailbox bob@example.test\n' });
  });

  it('mailbox import --dry-run reports per-row errors, then imports', async () => {
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, 'address,name,quota\nok@example.test,OK,1G\nbroken,,\nq@example.test,,9Q\n');
    const dry = await postern(['mailbox', 'import', bad, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toBe('line 3: broken: address: "broken" is not an address (name@domain)\nline 4: q@example.test: quota: "9Q" is not a size (use 500M, 2G…)\n');
    const good = path.join(tmp, 'good.csv');
    fs.writeFileSync(good, 'address,name,quota\nimp1@example.test,One,1G\nimp2@example.test,Two,\n');
    const dryGood = await postern(['mailbox', 'import', good, '--dry-run', '--json']);
    expect(JSON.parse(dryGood.stdout)).toMatchObject({ dryRun: true, ok: true, created: 0 });
    const real = await postern(['mailbox', 'import', good]);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/^created 2 mailboxes\ngenerated passwords \(shown once\):\nimp1@example.test,\S{20}\nimp2@example.test,\S{20}\n$/);
    expect((await postern(['mailbox', 'import', path.join(tmp, 'missing.csv')])).stderr).toBe(`postern: file: cannot read ${path.join(tmp, 'missing.csv')}: ENOENT\n`);
  });

  it('alias add, list --json, rm; loops and unknown destinations refused', async () => {
    expect((await postern(['alias', 'add', 'info@example.test', 'alice@example.test', 'x@remote.example'])).stdout).toBe(
      'added info@example.test → alice@example.test, x@remote.example\n',
    );
    expect((await postern(['alias', 'add', '@example.test', 'alice@example.test'])).code).toBe(0);
    const unknown = await postern(['alias', 'add', 'a@example.test', 'ghost@example.test']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'postern: destinations: no local mailbox or alias ghost@example.test\n' });
    const list = JSON.parse((await postern(['alias', 'list', '--json'])).stdout);
    expect(list.map((a: { source: string }) => a.source)).toEqual(['@example.test', 'info@example.test']);
    expect((await postern(['alias', 'rm', '@example.test'])).code).toBe(0);
  });

  it('admin add (global with stdin password; domain-scoped with a generated one), list --json', async () => {
    expect((await postern(['admin', 'add', 'root@example.test', '--password-stdin'], 'Admin-Password-1\n')).code).toBe(0);
    expect((await verifyAdminLogin(t.prisma, { email: 'root@example.test', password: 'Admin-Password-1', ip: '127.0.0.1' })).ok).toBe(true);
    const d = await postern(['admin', 'add', 'da@example.test', '--role', 'domain', '--domains', 'example.test,bücher.example']);
    expect(d.stdout).toMatch(/^added domain admin da@example.test for example.test, xn--bcher-kva.example\npassword: \S{20}\n$/);
    const bad = await postern(['admin', 'add', 'x@example.test', '--role', 'domain']);
    expect(bad).toMatchObject({ code: 1, stderr: 'postern: domains: a domain admin needs at least one domain\n' });
    const list = JSON.parse((await postern(['admin', 'list', '--json'])).stdout);
    expect(list.map((a: { email: string; role: string }) => [a.email, a.role])).toEqual([
      ['da@example.test', 'DOMAIN'],
      ['root@example.test', 'GLOBAL'],
    ]);
  });

  it('domain rm refuses while mailboxes exist, --force removes', async () => {
    const r = await postern(['domain', 'rm', 'example.test']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^postern: name: example.test still has 3 mailbox\(es\)/);
    expect((await postern(['domain', 'rm', 'example.test', '--force'])).stdout).toBe('removed example.test and 3 mailbox(es)\n');
  });

  it('policy set/unset/show and audit list', async () => {
    expect((await postern(['policy', 'set', 'bruteForce.maxFailures', '7'])).stdout).toBe('set bruteForce.maxFailures = 7\n');
    expect((await postern(['policy', 'set', 'relayNetworks', '["10.0.0.0/8"]'])).code).toBe(0);
    const bad = await postern(['policy', 'set', 'relayNetworks', '["nope"]']);
    expect(bad).toMatchObject({ code: 1, stderr: 'postern: relayNetworks.0: not an IP network (e.g. 192.0.2.0/24)\n' });
    expect((await postern(['policy', 'set', 'maxRecipients', '20', '--domain', 'bücher.example'])).code).toBe(0);
    const eff = JSON.parse((await postern(['policy', 'show', '--domain', 'xn--bcher-kva.example', '--json'])).stdout);
    expect(eff).toMatchObject({ maxRecipients: 20, relayNetworks: ['10.0.0.0/8'], bruteForce: { maxFailures: 7, windowSeconds: 900 } });
    expect((await postern(['policy', 'unset', 'relayNetworks'])).code).toBe(0);
    expect(JSON.parse((await postern(['policy', 'show', '--overrides', '--json'])).stdout)).toEqual({ bruteForce: { maxFailures: 7 } });
    const audit = JSON.parse((await postern(['audit', 'list', '--action', 'policy.', '--json'])).stdout);
    expect(audit).toHaveLength(4);
  });

  it('prints help and version with exit 0', async () => {
    const h = await postern(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/domain.*\n.*mailbox/s);
    expect((await postern(['--version'])).code).toBe(0);
  });

  it('an unreachable DATABASE_URL is one line, exit 1', async () => {
    const child = await run(['domain', 'list'], { env: { DATABASE_URL: 'postgres://x:y@127.0.0.1:1/nope' } });
    expect(child.code).toBe(1);
    expect(child.stderr.trim().split('\n')).toHaveLength(1);
    expect(child.stderr).toMatch(/^postern: cannot reach the database/);
  });
});
