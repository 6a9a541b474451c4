// Mail from elsewhere (an mbox, a Maildir) into a mailbox's folder, through the store's IMAP
// APPEND: each message gets its UID and MODSEQ on the folder row, its quota charge and its change
// notification in its own transaction, exactly as a client's APPEND would — there is no second
// way into the store. The folder is created when missing. A message the store refuses (over quota,
// over the append limit) stops the import there: what came before it stays imported, and the
// error says how far it got.
import type pg from 'pg';
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { StoreError } from '@/mail-daemon/imap/backend';
import { createPgMailStore } from '@/mail-daemon/store';
import { folderName } from './export-mail';
import { findMailboxInScope } from './find-mailbox';

export interface MailToImport {
  raw: Buffer;
  flags: string[];
  internalDate?: Date;
}

export interface ImportedMail {
  address: string;
  folder: string;
  messages: number;
  bytes: number;
}

const REFUSALS: Partial<Record<string, string>> = {
  overquota: 'the mailbox is over its quota',
  toobig: 'the message is larger than the append limit',
  invalid: 'the store refused it',
};

export async function importMail(
  db: Db,
  pool: pg.Pool,
  actor: Actor,
  input: { address: string; folder: string; messages: AsyncIterable<MailToImport>; progress?: (imported: number) => void },
): Promise<ImportedMail> {
  const mailbox = await findMailboxInScope(db, actor, input.address);
  const folder = folderName(input.folder);
  const session = await createPgMailStore({ pool }).open(mailbox.id);
  let messages = 0;
  let bytes = 0;
  try {
    try {
      await session.createFolder(folder);
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'alreadyexists')) throw err;
    }
    for await (const m of input.messages) {
      try {
        await session.append(folder, { size: m.raw.length, data: m.raw, flags: m.flags, internalDate: m.internalDate });
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        throw new ServiceError('invalid', `message ${messages + 1}: ${REFUSALS[err.code] ?? err.message}; ${messages} imported into ${folder} before it`, 'file');
      }
      messages++;
      bytes += m.raw.length;
      input.progress?.(messages);
    }
  } finally {
    session.close();
    await audit(db, actor, 'mailbox.import-mail', mailbox.address, undefined, { folder, messages, bytes });
  }
  return { address: mailbox.address, folder, messages, bytes };
}
