import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unseal } from '@/lib/crypto/seal';
import { getEffectivePolicy, getPolicyOverride, updatePolicy, updatePolicyWithSmarthost, type SmarthostInput } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

// The smarthost password on its way in: sealed with the master key before it is stored,
// kept when a save leaves it empty, and never in an audit row (in clear or sealed).

let t: TestDatabase;
const cli = { kind: 'cli', user: 'test' } as const;
const KEY = 'test-master-key-0123456789';
const PASSWORD = 'relay pass phrase 7!';
const relay: SmarthostInput = { host: 'smtp.provider.example', port: 587, security: 'starttls', username: 'postern@provider.example', domains: [] };

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function auditRows() {
  return t.prisma.auditLog.findMany({ where: { action: 'policy.update' }, orderBy: { id: 'asc' } });
}

describe('smarthost password', () => {
  it('stores a sealed value that unseals to the password; the audit row holds neither', async () => {
    await updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: { maxRecipients: 40 }, smarthost: { ...relay, password: PASSWORD } }, KEY);
    const stored = (await t.prisma.policy.findFirstOrThrow({ where: { domainId: null } })).settings as { smarthost: { passwordSealed: string } };
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect(stored.smarthost.passwordSealed).toMatch(/^v1:/);
    expect(unseal(stored.smarthost.passwordSealed, KEY).toString('utf8')).toBe(PASSWORD);
    expect(() => unseal(stored.smarthost.passwordSealed, 'another key')).toThrow();

    const eff = await getEffectivePolicy(t.prisma);
    expect(eff.smarthost).toMatchObject({ host: 'smtp.provider.example', port: 587, security: 'starttls', username: 'postern@provider.example', domains: [] });
    expect(eff.maxRecipients).toBe(40);

    const [row] = await auditRows();
    const text = JSON.stringify([row.before, row.after]);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(stored.smarthost.passwordSealed);
    expect(row.after).toMatchObject({ maxRecipients: 40, smarthost: { host: 'smtp.provider.example', passwordSealed: '(changed)' } });
  });

  it('a save with an empty password keeps the stored one, also when other relay settings change', async () => {
    const before = (await getPolicyOverride(t.prisma, null)).smarthost!.passwordSealed;
    await updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: {}, smarthost: { ...relay, port: 465, security: 'implicit', password: '' } }, KEY);
    const after = (await getPolicyOverride(t.prisma, null)).smarthost!;
    expect(after).toMatchObject({ port: 465, security: 'implicit', passwordSealed: before });
    expect(unseal(after.passwordSealed, KEY).toString('utf8')).toBe(PASSWORD);
    const row = (await auditRows()).at(-1)!;
    // Unchanged password: both sides say "(set)", so the audit diff shows no password change.
    expect(row.before).toMatchObject({ smarthost: { passwordSealed: '(set)', port: 587 } });
    expect(row.after).toEqual({ smarthost: { host: 'smtp.provider.example', port: 465, security: 'implicit', username: 'postern@provider.example', passwordSealed: '(set)', domains: [] } });
  });

  it('a new password replaces the old one; clearing forgets it; no relay removes the key', async () => {
    const first = (await getPolicyOverride(t.prisma, null)).smarthost!.passwordSealed;
    await updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: {}, smarthost: { ...relay, password: 'second one' } }, KEY);
    const second = (await getPolicyOverride(t.prisma, null)).smarthost!.passwordSealed;
    expect(second).not.toBe(first);
    expect(unseal(second, KEY).toString('utf8')).toBe('second one');
    expect((await auditRows()).at(-1)!.after).toMatchObject({ smarthost: { passwordSealed: '(changed)' } });

    await updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: {}, smarthost: { ...relay, username: '', clearPassword: true } }, KEY);
    expect((await getPolicyOverride(t.prisma, null)).smarthost).toMatchObject({ username: '', passwordSealed: '' });
    const cleared = (await auditRows()).at(-1)!;
    expect(cleared.before).toMatchObject({ smarthost: { passwordSealed: '(set)' } });
    expect(cleared.after).toMatchObject({ smarthost: { passwordSealed: '' } });

    await updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: { maxRecipients: 40 }, smarthost: null }, KEY);
    expect(await getPolicyOverride(t.prisma, null)).toEqual({ maxRecipients: 40 });
    expect((await getEffectivePolicy(t.prisma)).smarthost).toBeNull();

    const all = JSON.stringify((await auditRows()).map((r) => [r.before, r.after]));
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('second one');
    expect(all).not.toMatch(/v1:[\w-]+:/);
  });

  it('updatePolicy itself never audits a sealed value (a CLI set of the whole relay)', async () => {
    await updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: {}, smarthost: { ...relay, password: PASSWORD } }, KEY);
    const stored = await getPolicyOverride(t.prisma, null);
    await updatePolicy(t.prisma, cli, { domainId: null, settings: { ...stored, retryBaseSeconds: 60 } });
    const row = (await auditRows()).at(-1)!;
    expect(JSON.stringify([row.before, row.after])).not.toContain(stored.smarthost!.passwordSealed);
    expect(row.after).toMatchObject({ retryBaseSeconds: 60, smarthost: { passwordSealed: '(set)' } });
  });

  it('bad relay values are refused naming the field', async () => {
    await expect(
      updatePolicyWithSmarthost(t.prisma, cli, { domainId: null, settings: {}, smarthost: { ...relay, port: 0 } }, KEY),
    ).rejects.toMatchObject({ code: 'invalid', field: 'smarthost.port' });
  });
});
