import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { auditView } from './dto';
import { findMailboxInScope } from './find-mailbox';

/**
 * Deletes a mailbox and (by cascade) its folders and messages. The domain's used
 * bytes drop by what the mailbox held, in the same transaction, so the per-domain
 * total stays exact without a recount.
 */
export async function removeMailbox(db: Db, actor: Actor, input: { address: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const m = await findMailboxInScope(tx, actor, input.address);
    const row = await tx.mailbox.delete({ where: { id: m.id }, select: { usedBytes: true } });
    if (row.usedBytes > 0n) {
      await tx.domain.update({ where: { id: m.domainId }, data: { usedBytes: { decrement: row.usedBytes } } });
    }
    await audit(tx, actor, 'mailbox.remove', m.address, auditView(m), undefined);
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: m.id });
  });
}
