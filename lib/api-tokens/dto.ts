import type { TokenScope } from './validations';

/** What lists show of a token: never the token or its hash. */
export interface ApiTokenDto {
  id: string;
  name: string;
  prefix: string;
  scope: TokenScope;
  /** Domain names the token is limited to; empty: every domain. */
  domains: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** "active", "expired" or "revoked". */
  state: 'active' | 'expired' | 'revoked';
}

export interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scope: string;
  domainIds: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export const tokenSelect = {
  id: true, name: true, prefix: true, scope: true, domainIds: true, createdBy: true,
  createdAt: true, expiresAt: true, revokedAt: true, lastUsedAt: true,
} as const;

export function tokenState(row: Pick<TokenRow, 'expiresAt' | 'revokedAt'>, now = new Date()): ApiTokenDto['state'] {
  if (row.revokedAt) return 'revoked';
  return row.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

export function toTokenDto(row: TokenRow, domainNames: Map<string, string>, now = new Date()): ApiTokenDto {
  const { domainIds, ...rest } = row;
  return {
    ...rest,
    scope: row.scope as TokenScope,
    domains: domainIds.map((id) => domainNames.get(id) ?? '(removed domain)'),
    state: tokenState(row, now),
  };
}
