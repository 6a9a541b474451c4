// What services hand out for a mailbox: never the password hash; sizes as numbers
// (safe up to 8 PiB) so the panel and --json can serialize them.
export interface MailboxDto {
  id: string;
  address: string;
  localPart: string;
  domainId: string;
  domain: string;
  displayName: string | null;
  quotaBytes: number;
  usedBytes: number;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const mailboxSelect = {
  id: true,
  address: true,
  localPart: true,
  domainId: true,
  displayName: true,
  quotaBytes: true,
  usedBytes: true,
  enabled: true,
  createdAt: true,
  updatedAt: true,
  domain: { select: { name: true } },
} as const;

export function toMailboxDto(row: {
  id: string;
  address: string;
  localPart: string;
  domainId: string;
  displayName: string | null;
  quotaBytes: bigint;
  usedBytes: bigint;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  domain: { name: string };
}): MailboxDto {
  const { domain, quotaBytes, usedBytes, ...rest } = row;
  return { ...rest, domain: domain.name, quotaBytes: Number(quotaBytes), usedBytes: Number(usedBytes) };
}

/** The audit view of a mailbox: what an admin changes, nothing secret. */
export function auditView(m: Pick<MailboxDto, 'address' | 'displayName' | 'quotaBytes' | 'enabled'>) {
  return { address: m.address, displayName: m.displayName, quotaBytes: m.quotaBytes, enabled: m.enabled };
}
