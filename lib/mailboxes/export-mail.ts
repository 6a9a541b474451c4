// A mailbox's mail as mbox (mboxrd, ./mbox.ts): one folder, or every folder, each to its own
// sink. The bytes are the stored ones (what IMAP FETCH serves), read in pages, never the whole
// folder at once. IMAP flags have no place in an mbox without changing the message, so they stay
// behind; the internal date is the separator line's date.
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { validFolderName } from '@/mail-daemon/store';
import { findMailboxInScope } from './find-mailbox';
import { mboxEntry } from './mbox';

const PAGE = 500;
/** Raw bytes read per query: a folder of large messages is never held whole. */
const BATCH_BYTES = 16 * 1024 * 1024;

/** Consecutive messages in batches of at most BATCH_BYTES (one larger message alone). */
function bySize<T extends { size: number }>(messages: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const m of messages) {
    if (current.length && total + m.size > BATCH_BYTES) {
      out.push(current);
      current = [];
      total = 0;
    }
    current.push(m);
    total += m.size;
  }
  if (current.length) out.push(current);
  return out;
}

export interface ExportedFolder {
  name: string;
  messages: number;
  bytes: number;
}

/** Where one folder's mbox goes. */
export interface MboxSink {
  write(bytes: Buffer): void | Promise<void>;
  close(): void | Promise<void>;
}

/** The address in the message's From field, for messages without an SMTP receipt (APPENDed ones). */
function headerFrom(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const header = raw.subarray(0, end < 0 ? Math.min(raw.length, 65536) : end).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
  const from = /^From:(.*)$/im.exec(header)?.[1] ?? '';
  return /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /([^\s<>",;:]+@[^\s<>",;:]+)/.exec(from)?.[1] ?? null;
}

/** The folder's name as stored ("inbox" is INBOX); a name IMAP would refuse is refused. */
export function folderName(name: string): string {
  try {
    return validFolderName(name);
  } catch {
    throw new ServiceError('invalid', `not a folder name: ${JSON.stringify(name)}`, 'folder');
  }
}

export async function exportMail(
  db: Db,
  actor: Actor,
  input: { address: string; folder?: string },
  open: (folder: string) => MboxSink | Promise<MboxSink>,
): Promise<ExportedFolder[]> {
  const mailbox = await findMailboxInScope(db, actor, input.address);
  const folders = await db.mailFolder.findMany({
    where: { mailboxId: mailbox.id, ...(input.folder !== undefined ? { name: folderName(input.folder) } : {}) },
    select: { id: true, name: true },
    orderBy: { name: 'asc' },
  });
  if (input.folder !== undefined && !folders.length) throw new ServiceError('not_found', `${mailbox.address} has no folder ${input.folder}`, 'folder');
  const done: ExportedFolder[] = [];
  for (const folder of folders) {
    const sink = await open(folder.name);
    let messages = 0;
    let bytes = 0;
    try {
      for (let after = -1n; ; ) {
        const page = await db.mailMessage.findMany({
          where: { folderId: folder.id, uid: { gt: after } },
          orderBy: { uid: 'asc' },
          take: PAGE,
          select: { uid: true, internalDate: true, blobId: true, size: true },
        });
        if (!page.length) break;
        const receipts = await db.smtpReceipt.findMany({ where: { blobId: { in: page.map((m) => m.blobId) } }, select: { blobId: true, mailFrom: true } });
        const senders = new Map(receipts.map((r) => [r.blobId, r.mailFrom]));
        for (const batch of bySize(page)) {
          const blobs = await db.mailBlob.findMany({ where: { id: { in: batch.map((m) => m.blobId) } }, select: { id: true, raw: true } });
          const raws = new Map(blobs.map((b) => [b.id, Buffer.from(b.raw)]));
          for (const m of batch) {
            const raw = raws.get(m.blobId)!;
            await sink.write(mboxEntry(raw, senders.has(m.blobId) ? senders.get(m.blobId) : headerFrom(raw), m.internalDate));
            messages++;
            bytes += raw.length;
          }
        }
        after = page[page.length - 1].uid;
      }
    } finally {
      await sink.close();
    }
    done.push({ name: folder.name, messages, bytes });
  }
  await audit(db, actor, 'mailbox.export', mailbox.address, undefined, { folders: done.map((f) => ({ name: f.name, messages: f.messages })) });
  return done;
}
