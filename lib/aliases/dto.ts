export interface AliasDto {
  id: string;
  source: string;
  domainId: string;
  domain: string;
  catchAll: boolean;
  destinations: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const aliasSelect = {
  id: true,
  source: true,
  domainId: true,
  destinations: true,
  enabled: true,
  createdAt: true,
  updatedAt: true,
  domain: { select: { name: true } },
} as const;

export function toAliasDto(row: {
  id: string;
  source: string;
  domainId: string;
  destinations: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  domain: { name: string };
}): AliasDto {
  const { domain, ...rest } = row;
  return { ...rest, domain: domain.name, catchAll: row.source.startsWith('@') };
}
