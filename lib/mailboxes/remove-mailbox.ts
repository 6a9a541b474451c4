import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { auditView } from './dto';
import { findMailboxInScope } from './find-mailbox';

/** Deletes a mailbox and (by cascade) its folders and messages. */
export async function removeMailbox(db: Db, actor: Actor, input: { address: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const m = await findMailboxInScope(tx, actor, input.address);
    await tx.mailbox.delete({ where: { id: m.id } });
    await audit(tx, actor, 'mailbox.remove', m.address, auditView(m), undefined);
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: m.id });
  });
}
