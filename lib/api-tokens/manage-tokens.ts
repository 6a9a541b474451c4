import { actorName, type Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope, requireGlobal } from '@/lib/domains/scope';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { parseInput } from '@/lib/queue/validations';
import { toTokenDto, tokenSelect, type ApiTokenDto, type TokenRow } from './dto';
import { newTokenSecret } from './secret';
import { createTokenSchema, type CreateTokenInput } from './validations';

const DAY_MS = 86_400_000;

async function domainNames(db: Db, rows: TokenRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => r.domainIds))];
  if (!ids.length) return new Map();
  const domains = await db.domain.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(domains.map((d) => [d.id, d.name]));
}

/**
 * A new token, returned once in clear (only its SHA-256 is stored). Global admins and the CLI
 * only: a token outlives the session and the role of whoever made it, so it is given out by
 * those who may already do everything; domain limits narrow it like a domain admin.
 */
export async function createToken(db: Db, actor: Actor, input: CreateTokenInput, now = new Date()): Promise<{ token: string; info: ApiTokenDto }> {
  requireGlobal(actor, 'create API tokens');
  const v = parseInput(createTokenSchema, input);
  const domains: { id: string; name: string }[] = [];
  for (const name of v.domains) domains.push(await findDomainInScope(db, actor, name, 'domains'));
  const secret = newTokenSecret();
  const row = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const created = await tx.apiToken.create({
          data: {
            name: v.name,
            tokenHash: secret.hash,
            prefix: secret.prefix,
            scope: v.scope,
            domainIds: [...new Set(domains.map((d) => d.id))],
            createdBy: actorName(actor),
            expiresAt: new Date(now.getTime() + v.expiresInDays * DAY_MS),
          },
          select: tokenSelect,
        });
        await audit(tx, actor, 'api_token.create', v.name, undefined, {
          scope: v.scope, domains: domains.map((d) => d.name), expiresAt: created.expiresAt, prefix: created.prefix,
        });
        return created;
      }),
    'name',
    `a token named ${v.name} already exists`,
  );
  return { token: secret.token, info: toTokenDto(row, new Map(domains.map((d) => [d.id, d.name])), now) };
}

/** Every token, newest first, with its state; never the secret. */
export async function listTokens(db: Db, actor: Actor, now = new Date()): Promise<ApiTokenDto[]> {
  requireGlobal(actor, 'see API tokens');
  const rows = await db.apiToken.findMany({ select: tokenSelect, orderBy: [{ createdAt: 'desc' }, { name: 'asc' }] });
  const names = await domainNames(db, rows);
  return rows.map((r) => toTokenDto(r, names, now));
}

/** Revokes a token by name; its next request is refused. Revoking twice is an error, not a no-op. */
export async function revokeToken(db: Db, actor: Actor, input: { name: string }, now = new Date()): Promise<ApiTokenDto> {
  requireGlobal(actor, 'revoke API tokens');
  const name = String(input.name ?? '').trim();
  const row = await db.$transaction(async (tx) => {
    const found = await tx.apiToken.findUnique({ where: { name }, select: tokenSelect });
    if (!found) throw new ServiceError('not_found', `no token named ${name}`, 'name');
    if (found.revokedAt) throw new ServiceError('conflict', `${name} was already revoked`, 'name');
    const revoked = await tx.apiToken.update({ where: { id: found.id }, data: { revokedAt: now }, select: tokenSelect });
    await audit(tx, actor, 'api_token.revoke', name, { prefix: found.prefix, scope: found.scope }, { revokedAt: now });
    return revoked;
  });
  return toTokenDto(row, await domainNames(db, [row]), now);
}
