import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Actor } from '@/lib/actor';
import { CHANNELS } from '@/lib/db/channels';
import { DEFAULT_POLICY, getEffectivePolicy, getPolicyOverride, updatePolicy } from '@/lib/policy';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';

let t: TestDatabase;
let domainId: string;
const cli = { kind: 'cli', user: 'test' } as const;

beforeAll(async () => {
  t = await createTestDatabase();
  domainId = (await t.prisma.domain.create({ data: { name: 'example.test' } })).id;
});
afterAll(() => t.drop());

describe('policy', () => {
  it('defaults to DEFAULT_POLICY', async () => {
    const p = await getEffectivePolicy(t.prisma);
    expect(p).toEqual(DEFAULT_POLICY);
    expect(p.relayNetworks).toEqual([]);
    expect(p.maxMessageBytes).toBe(50 * 1024 * 1024);
    expect(p.bruteForce).toEqual({ maxFailures: 5, windowSeconds: 900, lockoutSeconds: 900 });
  });

  it('merges global and domain overrides key by key, audits and notifies', async () => {
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const got: string[] = [];
    listener.on('notification', (m) => got.push(m.payload!));
    await listener.query(`LISTEN ${CHANNELS.policy}`);
    const heard = new Promise<void>((resolve) => listener.once('notification', () => resolve()));

    await updatePolicy(t.prisma, cli, { domainId: null, settings: { maxRecipients: 50, bruteForce: { maxFailures: 9 } } });
    await updatePolicy(t.prisma, cli, { domainId, settings: { bruteForce: { lockoutSeconds: 60 }, requireTlsMx: true } });
    await heard;
    await listener.end();

    const eff = await getEffectivePolicy(t.prisma, domainId);
    expect(eff.maxRecipients).toBe(50);
    expect(eff.requireTlsMx).toBe(true);
    expect(eff.bruteForce).toEqual({ maxFailures: 9, windowSeconds: 900, lockoutSeconds: 60 });
    expect((await getEffectivePolicy(t.prisma)).requireTlsMx).toBe(false);
    expect(await getPolicyOverride(t.prisma, domainId)).toEqual({ bruteForce: { lockoutSeconds: 60 }, requireTlsMx: true });
    expect(JSON.parse(got[0])).toEqual({ domainId: null });

    const rows = await t.prisma.auditLog.findMany({ where: { action: 'policy.update' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.target)).toEqual(['policy:global', 'policy:example.test']);
    expect(rows[0].before).toEqual({});
    expect(rows[0].after).toEqual({ maxRecipients: 50, bruteForce: { maxFailures: 9 } });
    expect(rows[0].actor).toBe('cli:test');
  });

  it('refuses bad values naming the field, unknown keys, and domain admins', async () => {
    await expect(updatePolicy(t.prisma, cli, { domainId: null, settings: { relayNetworks: ['nope'] } })).rejects.toMatchObject({
      code: 'invalid',
      field: 'relayNetworks.0',
    });
    await expect(updatePolicy(t.prisma, cli, { domainId: null, settings: { bogus: 1 } })).rejects.toMatchObject({ code: 'invalid' });
    const da: Actor = { kind: 'admin', id: '00000000-0000-0000-0000-000000000001', email: 'd@x', role: 'DOMAIN', domainIds: [domainId] };
    await expect(updatePolicy(t.prisma, da, { domainId, settings: {} })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('keeps working when a stored row has a value that no longer validates', async () => {
    await t.prisma.policy.update({ where: { domainId }, data: { settings: { maxRecipients: -5, requireTlsMx: true } } });
    const eff = await getEffectivePolicy(t.prisma, domainId);
    expect(eff.maxRecipients).toBe(50);
    expect(eff.requireTlsMx).toBe(true);
  });
});
