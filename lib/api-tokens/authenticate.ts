import type { Db } from '@/lib/db/prisma';
import { tokenState } from './dto';
import { hashToken } from './secret';
import type { TokenScope } from './validations';

export interface TokenIdentity {
  id: string;
  name: string;
  scope: TokenScope;
  /** Empty: every domain. */
  domainIds: string[];
}

export type TokenCheck =
  | { ok: true; token: TokenIdentity }
  /** A token we know, refused: its name goes in the audit log. */
  | { ok: false; reason: 'revoked' | 'expired'; token: TokenIdentity }
  /** Nothing we issued (or a typo): there is no name to audit. */
  | { ok: false; reason: 'unknown' };

/** Looks a presented token up by its hash; a usable one gets its last use stamped. */
export async function checkToken(db: Db, token: string, now = new Date()): Promise<TokenCheck> {
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, name: true, scope: true, domainIds: true, expiresAt: true, revokedAt: true },
  });
  if (!row) return { ok: false, reason: 'unknown' };
  const identity: TokenIdentity = { id: row.id, name: row.name, scope: row.scope as TokenScope, domainIds: row.domainIds };
  const state = tokenState(row, now);
  if (state !== 'active') return { ok: false, reason: state, token: identity };
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  return { ok: true, token: identity };
}
