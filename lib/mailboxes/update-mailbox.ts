import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { parseQuota } from '@/lib/validations/quota';
import { cleanName } from './create-mailbox';
import { auditView, mailboxSelect, toMailboxDto, type MailboxDto } from './dto';
import { findMailboxInScope } from './find-mailbox';

export interface UpdateMailboxInput {
  address: string;
  name?: string | null;
  quota?: string | number;
  enabled?: boolean;
}

/** Changes only the fields given. */
export async function updateMailbox(db: Db, actor: Actor, input: UpdateMailboxInput): Promise<MailboxDto> {
  const data: { displayName?: string | null; quotaBytes?: number; enabled?: boolean } = {};
  if (input.name !== undefined) data.displayName = cleanName(input.name);
  if (input.quota !== undefined) data.quotaBytes = parseQuota(input.quota);
  if (input.enabled !== undefined) data.enabled = input.enabled;
  return db.$transaction(async (tx) => {
    const before = await findMailboxInScope(tx, actor, input.address);
    if (Object.keys(data).length === 0) return before;
    const after = toMailboxDto(await tx.mailbox.update({ where: { id: before.id }, data, select: mailboxSelect }));
    const action = Object.keys(data).length === 1 && data.enabled !== undefined ? (data.enabled ? 'mailbox.enable' : 'mailbox.disable') : 'mailbox.update';
    await audit(tx, actor, action, after.address, auditView(before), auditView(after));
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: after.id });
    return after;
  });
}
