import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postern as run, type CliResult } from '@/mail-daemon/testing/cli';
import { tmpDir } from '@/mail-daemon/testing/certificates';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';

// `postern dkim …` as a subprocess, its DNS checks answered by a loopback DNS server.
let t: TestDatabase;
let tmp: string;
let dns: RunningDnsServer;

function postern(args: string[]): Promise<CliResult> {
  return run(['dkim', ...args], {
    cwd: tmp,
    env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data'), POSTERN_SECRET: 'cli-dkim-master-key-0123456789', POSTERN_DNS_SERVERS: dns.server },
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = tmpDir();
  dns = await startDnsServer();
  await run(['domain', 'add', 'cli-dkim.test'], { env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmpDir(), 'data') } });
});
afterAll(async () => {
  await dns?.close();
  await t?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern dkim', { timeout: 120_000 }, () => {
  it('generate, show-dns (BIND strings), check missing → found, activate, list', async () => {
    const gen = await postern(['generate', 'cli-dkim.test', '--selector', 's1']);
    expect(gen.stderr).toBe('');
    expect(gen.code).toBe(0);
    expect(gen.stdout).toMatch(/^generated rsa key s1 for cli-dkim.test \(pending\)/);
    const show = await postern(['show-dns', 'cli-dkim.test']);
    // An RSA-2048 value is two character-strings: 255 octets, then the rest.
    const m = show.stdout.match(/^s1\._domainkey\.cli-dkim\.test\. IN TXT "([^"]{255})" "([^"]+)" ; pending\n$/);
    expect(m).not.toBeNull();
    const json = JSON.parse((await postern(['show-dns', 'cli-dkim.test', '--json'])).stdout);
    expect(json).toEqual([{ selector: 's1', status: 'pending', name: 's1._domainkey.cli-dkim.test', value: m![1] + m![2] }]);
    expect(json[0].value).toMatch(/^v=DKIM1; k=rsa; p=MIIB/);

    const missing = await postern(['check', 'cli-dkim.test', 's1']);
    expect(missing).toEqual({ code: 1, stdout: 's1._domainkey.cli-dkim.test: missing (no record yet)\n', stderr: '' });
    const early = await postern(['activate', 'cli-dkim.test', 's1']);
    expect(early).toEqual({ code: 1, stdout: '', stderr: 'postern: selector: publish the record and check DNS first: a key signs only once its record was just found\n' });

    dns.set({ 's1._domainkey.cli-dkim.test': { TXT: [[m![1], m![2]]] } });
    expect(await postern(['check', 'cli-dkim.test', 's1'])).toMatchObject({ code: 0, stdout: 's1._domainkey.cli-dkim.test: found (the record is published)\n' });
    expect(await postern(['activate', 'cli-dkim.test', 's1'])).toMatchObject({ code: 0, stdout: 'activated s1 for cli-dkim.test\n' });

    const ed = await postern(['generate', 'cli-dkim.test', '--type', 'ed25519']);
    const selector = ed.stdout.match(/^generated ed25519 key (p\d{8}e) /)![1];
    const list = JSON.parse((await postern(['list', 'cli-dkim.test', '--json'])).stdout);
    expect(list.map((k: { selector: string; status: string }) => [k.selector, k.status])).toEqual([['s1', 'active'], [selector, 'pending']]);
    expect((await postern(['list', 'cli-dkim.test'])).stdout).toMatch(/s1 +rsa +active +found/);
    expect(await postern(['retire', 'cli-dkim.test', 's1'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^retired s1: cli-dkim.test has no signing key now/) });
  });

  it('bad input: exit 1 with one line naming the field', async () => {
    expect(await postern(['generate', 'cli-dkim.test', '--type', 'dsa'])).toEqual({ code: 1, stdout: '', stderr: 'postern: type: the key type is rsa (RSA-2048) or ed25519\n' });
    expect(await postern(['generate', 'cli-dkim.test', '--selector', 'a_b'])).toEqual({ code: 1, stdout: '', stderr: 'postern: selector: a selector is one DNS label: letters, digits and inner hyphens\n' });
    expect(await postern(['check', 'nowhere.test', 's1'])).toEqual({ code: 1, stdout: '', stderr: 'postern: domain: no domain nowhere.test (add it first)\n' });
    expect(await postern(['activate', 'cli-dkim.test', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'postern: selector: cli-dkim.test has no DKIM key with selector nope\n' });
  });
});
