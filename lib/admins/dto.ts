export interface AdminDto {
  id: string;
  email: string;
  role: 'GLOBAL' | 'DOMAIN';
  domains: string[];
  totpEnabled: boolean;
  /** Its password was generated and must be changed at the next sign-in. */
  mustChangePassword: boolean;
  createdAt: Date;
}

export const adminSelect = {
  id: true,
  email: true,
  role: true,
  totpEnabled: true,
  mustChangePassword: true,
  createdAt: true,
  domains: { select: { domain: { select: { name: true } } } },
} as const;

export function toAdminDto(row: {
  id: string;
  email: string;
  role: 'GLOBAL' | 'DOMAIN';
  totpEnabled: boolean;
  mustChangePassword: boolean;
  createdAt: Date;
  domains: { domain: { name: string } }[];
}): AdminDto {
  return { ...row, domains: row.domains.map((d) => d.domain.name).sort() };
}

export function adminAuditView(a: AdminDto) {
  return { email: a.email, role: a.role, domains: a.domains };
}
