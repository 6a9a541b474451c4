import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { checkToken, createToken, hashToken, listTokens, revokeToken, TOKEN_PREFIX } from '.';
import type { Actor } from '@/lib/actor';

// Tokens as the services see them: shown once, stored as a hash, expiring and revocable,
// managed by global admins and the CLI only, every change audited.
let t: TestDatabase;
const cli: Actor = { kind: 'cli', user: 'root' };
const globalAdmin: Actor = { kind: 'admin', id: '00000000-0000-4000-8000-000000000001', email: 'root@example.test', role: 'GLOBAL', domainIds: [] };
let domainAdmin: Actor;

beforeAll(async () => {
  t = await createTestDatabase();
  const a = await t.prisma.domain.create({ data: { name: 'tok-a.test' } });
  await t.prisma.domain.create({ data: { name: 'tok-b.test' } });
  domainAdmin = { kind: 'admin', id: '00000000-0000-4000-8000-000000000002', email: 'da@tok-a.test', role: 'DOMAIN', domainIds: [a.id] };
});
afterAll(async () => t?.drop());

describe('API tokens', () => {
  it('is shown once and kept only as its SHA-256', async () => {
    const { token, info } = await createToken(t.prisma, globalAdmin, { name: 'grafana', scope: 'read' });
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(token.length).toBeGreaterThanOrEqual(TOKEN_PREFIX.length + 43);
    expect(info).toMatchObject({ name: 'grafana', scope: 'read', domains: [], state: 'active', createdBy: 'root@example.test' });
    expect(token.startsWith(info.prefix)).toBe(true);
    const row = await t.prisma.apiToken.findUniqueOrThrow({ where: { name: 'grafana' } });
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const days = (row.expiresAt.getTime() - row.createdAt.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'api_token.create', target: 'grafana' } });
    expect(JSON.stringify({ ...audit, id: null })).not.toContain(token.slice(TOKEN_PREFIX.length + 6));
    expect(JSON.stringify(await listTokens(t.prisma, cli))).not.toContain(row.tokenHash);
  });

  it('checks: usable, unknown, expired, revoked', async () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const { token } = await createToken(t.prisma, cli, { name: 'ci', scope: 'full', domains: ['TOK-A.test'], expiresInDays: 1 }, now);
    const ok = await checkToken(t.prisma, token, new Date(now.getTime() + 3_600_000));
    expect(ok).toMatchObject({ ok: true, token: { name: 'ci', scope: 'full' } });
    expect(ok.ok && ok.token.domainIds).toEqual((domainAdmin as { domainIds: string[] }).domainIds);
    expect((await t.prisma.apiToken.findUniqueOrThrow({ where: { name: 'ci' } })).lastUsedAt).not.toBeNull();
    expect(await checkToken(t.prisma, `${token}x`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await checkToken(t.prisma, token, new Date(now.getTime() + 86_400_000))).toMatchObject({ ok: false, reason: 'expired', token: { name: 'ci' } });
    const { token: other } = await createToken(t.prisma, cli, { name: 'old', scope: 'read' });
    await revokeToken(t.prisma, cli, { name: 'old' });
    expect(await checkToken(t.prisma, other)).toMatchObject({ ok: false, reason: 'revoked', token: { name: 'old' } });
    await expect(revokeToken(t.prisma, cli, { name: 'old' })).rejects.toMatchObject({ code: 'conflict', field: 'name' });
    await expect(revokeToken(t.prisma, cli, { name: 'never' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await t.prisma.auditLog.count({ where: { action: 'api_token.revoke', target: 'old', actor: 'cli:root' } })).toBe(1);
    const states = Object.fromEntries((await listTokens(t.prisma, cli, new Date(now.getTime() + 2 * 86_400_000))).map((r) => [r.name, r.state]));
    expect(states).toMatchObject({ ci: 'expired', old: 'revoked' });
  });

  it('refuses bad input with the field, a duplicate name, unknown domains, and domain admins', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '', scope: 'read' }, 'name'],
      [{ name: 'has space', scope: 'read' }, 'name'],
      [{ name: 'x', scope: 'write' }, 'scope'],
      [{ name: 'x', scope: 'read', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'x', scope: 'read', expiresInDays: 3651 }, 'expiresInDays'],
      [{ name: 'x', scope: 'read', domains: ['not a domain'] }, 'domains'],
    ];
    for (const [input, field] of cases) {
      await expect(createToken(t.prisma, cli, input as never), JSON.stringify(input)).rejects.toMatchObject({ code: 'invalid', field });
    }
    await expect(createToken(t.prisma, cli, { name: 'x', scope: 'read', domains: ['nowhere.test'] })).rejects.toMatchObject({ code: 'not_found', field: 'domains' });
    await expect(createToken(t.prisma, cli, { name: 'grafana', scope: 'read' })).rejects.toMatchObject({ code: 'conflict', field: 'name' });
    await expect(createToken(t.prisma, domainAdmin, { name: 'mine', scope: 'read', domains: ['tok-a.test'] })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(listTokens(t.prisma, domainAdmin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(revokeToken(t.prisma, domainAdmin, { name: 'grafana' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
