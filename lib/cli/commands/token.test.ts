import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkToken } from '@/lib/api-tokens';
import { postern as run } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// `postern token create|list|revoke` as an admin runs it: the token on stdout once, bad input
// one line on stderr with exit 1.
let t: TestDatabase;
let tmp: string;

function postern(args: string[]) {
  return run(args, { cwd: tmp, env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data') } });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.prisma.domain.create({ data: { name: 'cli-tok.test' } });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-token-'));
});
afterAll(async () => {
  await t?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern token', { timeout: 120_000 }, () => {
  it('create prints the token once; list shows it without the secret; revoke ends it', async () => {
    const created = await postern(['token', 'create', '--name', 'prometheus', '--scope', 'read', '--domain', 'CLI-TOK.test', '--expires-days', '30']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^pst_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/^created prometheus \(read, cli-tok\.test\), expires \d{4}-\d\d-\d\d \d\d:\d\d UTC; it is not shown again\n$/);
    expect(await checkToken(t.prisma, token)).toMatchObject({ ok: true, token: { name: 'prometheus', scope: 'read' } });

    const list = await postern(['token', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+PREFIX\s+SCOPE\s+DOMAINS\s+STATE\s+EXPIRES\s+LAST USED\nprometheus\s+pst_\S{6}\s+read\s+cli-tok\.test\s+active\s/);
    expect(list.stdout).not.toContain(token.slice(10));
    const json = JSON.parse((await postern(['token', 'list', '--json'])).stdout);
    expect(json).toMatchObject([{ name: 'prometheus', scope: 'read', domains: ['cli-tok.test'], state: 'active' }]);
    expect(JSON.stringify(json)).not.toContain('tokenHash');

    expect(await postern(['token', 'revoke', 'prometheus'])).toMatchObject({ code: 0, stdout: 'revoked prometheus\n' });
    expect(await checkToken(t.prisma, token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await t.prisma.auditLog.count({ where: { action: { in: ['api_token.create', 'api_token.revoke'] }, target: 'prometheus', actor: { startsWith: 'cli:' } } })).toBe(2);
  });

  it('bad input: exit 1 and one line naming the field', async () => {
    const cases: [string[], RegExp][] = [
      [['token', 'create', '--name', 'x', '--scope', 'write'], /^postern: scope: scope is read or full\n$/],
      [['token', 'create', '--name', 'bad name', '--scope', 'read'], /^postern: name: letters, digits and \. _ @ - only\n$/],
      [['token', 'create', '--name', 'x', '--scope', 'full', '--domain', 'nowhere.test'], /^postern: domains: no domain nowhere\.test \(add it first\)\n$/],
      [['token', 'create', '--name', 'x', '--scope', 'full', '--expires-days', 'soon'], /^postern: expiresInDays: .+\n$/],
      [['token', 'create', '--scope', 'read'], /^postern: required option '--name <name>' not specified\n$/],
      [['token', 'revoke', 'nobody'], /^postern: name: no token named nobody\n$/],
      [['token', 'revoke', 'prometheus'], /^postern: name: prometheus was already revoked\n$/],
    ];
    for (const [args, stderr] of cases) {
      const r = await postern(args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: '' });
      expect(r.stderr, args.join(' ')).toMatch(stderr);
    }
  });
});
