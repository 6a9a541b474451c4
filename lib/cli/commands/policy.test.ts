import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unseal } from '@/lib/crypto/seal';
import { getPolicyOverride } from '@/lib/policy';
import { postern as run } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// `postern policy` for the outbound settings: plain keys through set/show, the relay
// through `policy smarthost` with its password from stdin, sealed, never printed.

let t: TestDatabase;
let tmp: string;
const KEY = 'cli-test-master-key';
const PASSWORD = 'piped relay secret';

function postern(args: string[], stdin?: string) {
  return run(args, { cwd: tmp, input: stdin, env: { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data'), POSTERN_SECRET: KEY } });
}

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-cli-policy-'));
});
afterAll(async () => {
  await t.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern policy (outbound)', { timeout: 120_000 }, () => {
  it('sets retry, TLS and per-destination rules as JSON; bad values name the field', async () => {
    expect((await postern(['policy', 'set', 'retryBaseSeconds', '120'])).code).toBe(0);
    expect((await postern(['policy', 'set', 'outboundTls', 'require-tls'])).code).toBe(0);
    expect((await postern(['policy', 'set', 'outboundTlsRules', '[{"domain":"Partner.Example","tls":"require-verified"}]'])).code).toBe(0);
    const bad = await postern(['policy', 'set', 'outboundTls', 'always']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^postern: outboundTls: /);
    const eff = JSON.parse((await postern(['policy', 'show', '--json'])).stdout);
    expect(eff).toMatchObject({ retryBaseSeconds: 120, retryMaxSeconds: 14400, outboundTls: 'require-tls', outboundTlsRules: [{ domain: 'partner.example', tls: 'require-verified' }], smarthost: null });
  });

  it('policy smarthost --smarthost-password reads stdin, seals, never echoes; show says only "(set)"', async () => {
    const r = await postern(['policy', 'smarthost', '--host', 'SMTP.Provider.Example', '--username', 'me@provider.example', '--domains', 'gmail.com,Outlook.com', '--smarthost-password'], `${PASSWORD}\n`);
    expect(r).toMatchObject({ code: 0, stdout: 'smarthost smtp.provider.example:587 (starttls, user me@provider.example, password set) for gmail.com, outlook.com\n' });
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const stored = (await getPolicyOverride(t.prisma, null)).smarthost!;
    expect(unseal(stored.passwordSealed, KEY).toString('utf8')).toBe(PASSWORD);
    expect(await getPolicyOverride(t.prisma, null)).toMatchObject({ retryBaseSeconds: 120, outboundTls: 'require-tls' });

    for (const args of [['policy', 'show'], ['policy', 'show', '--json'], ['policy', 'show', '--overrides', '--json'], ['audit', 'list', '--json']]) {
      const out = (await postern(args)).stdout;
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(stored.passwordSealed);
    }
    expect(JSON.parse((await postern(['policy', 'show', '--json'])).stdout).smarthost.passwordSealed).toBe('(set)');
  });

  it('changing the port keeps the password; the sealed value cannot be set by hand; --clear-password and --off', async () => {
    const sealed = (await getPolicyOverride(t.prisma, null)).smarthost!.passwordSealed;
    expect((await postern(['policy', 'smarthost', '--port', '465', '--security', 'implicit'])).stdout).toBe(
      'smarthost smtp.provider.example:465 (implicit, user me@provider.example, password set) for gmail.com, outlook.com\n',
    );
    expect((await getPolicyOverride(t.prisma, null)).smarthost!.passwordSealed).toBe(sealed);
    expect((await postern(['policy', 'set', 'smarthost.host', 'relay2.provider.example'])).code).toBe(0);
    expect((await getPolicyOverride(t.prisma, null)).smarthost).toMatchObject({ host: 'relay2.provider.example', passwordSealed: sealed });
    expect((await postern(['policy', 'set', 'smarthost', '{"host":"relay3.provider.example","username":"me"}'])).code).toBe(0);
    // A whole relay as JSON replaces its settings (defaults for the rest) but keeps the stored password.
    expect((await getPolicyOverride(t.prisma, null)).smarthost).toMatchObject({ host: 'relay3.provider.example', port: 587, domains: [], passwordSealed: sealed });

    const byHand = await postern(['policy', 'set', 'smarthost.passwordSealed', 'v1:a:b:c']);
    expect(byHand).toMatchObject({ code: 1, stderr: 'postern: smarthost.passwordSealed: set the relay password with: postern policy smarthost --smarthost-password\n' });
    expect((await postern(['policy', 'smarthost', '--port', '0'])).stderr).toBe('postern: port: must be a port number from 1 to 65535\n');
    expect((await postern(['policy', 'smarthost', '--domains', 'localhost'])).stderr).toMatch(/^postern: domains: "localhost" needs a dot/);

    expect((await postern(['policy', 'smarthost', '--clear-password', '--username', ''])).stdout).toBe('smarthost relay3.provider.example:587 (starttls, no AUTH) for all outbound mail\n');
    expect((await getPolicyOverride(t.prisma, null)).smarthost!.passwordSealed).toBe('');
    expect((await postern(['policy', 'smarthost', '--off'])).stdout).toBe('smarthost off\n');
    expect((await getPolicyOverride(t.prisma, null)).smarthost).toBeUndefined();
  });
});
