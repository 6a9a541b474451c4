// The keys SORT (RFC 5256 3, RFC 5957) and THREAD (RFC 5256 4) compare, computed once per
// stored message (mail_blobs) at delivery/APPEND from its ENVELOPE and header, and filled in
// for messages stored before these columns existed. Text keys are stored i;unicode-casemap'd (RFC 5051),
// so ORDER BY ... COLLATE "C" compares them as the RFC's default collation does.
import { baseSubject, unicodeCasemap } from '@/lib/mime/base-subject';
import { parseHeader, type Envelope, type EnvelopeAddress, type HeaderField, type MimeIndex } from '@/lib/mime';
import type pg from 'pg';
import { bodyOffsetSql } from './rows';
import { decodeWords } from './search-text';

export interface SortKeys {
  subject: string;
  /** The subject marked the message a reply or forward (THREAD=REFERENCES step 5). */
  replyOrForward: boolean;
  from: string;
  to: string;
  cc: string;
  displayFrom: string;
  displayTo: string;
  /** Message-ID without its angle brackets; null when missing or invalid. */
  messageId: string | null;
  /** The message's references, oldest first: References, else the first In-Reply-To id. */
  parents: string[];
}

/** The first address of a list that is not a group marker. */
function firstAddress(list: EnvelopeAddress[] | null): EnvelopeAddress | null {
  return list?.find((a) => a.host !== null && a.mailbox !== null) ?? null;
}

/** RFC 5957 3: the decoded display name, else the addr-spec; "" without an address. */
function display(a: EnvelopeAddress | null): string {
  if (!a) return '';
  const name = a.name ? decodeWords(a.name).trim() : '';
  return name || `${a.mailbox}@${a.host}`;
}

/**
 * The valid msg-ids of a header value, in order, normalized as RFC 5256 4 asks: no brackets, no
 * white space, quoted strings unquoted (<"a b"@x> and <ab@x> differ; <"ab"@x> and <ab@x> do not).
 */
export function messageIds(value: string | null | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/<([^<>]*)>/g)]
    .map((m) => m[1].replace(/"((?:[^"\\]|\\.)*)"|\s+/g, (_all, quoted: string | undefined) => (quoted === undefined ? '' : quoted.replace(/\\(.)/g, '$1'))))
    .filter((id) => /^[^@]+@[^@]+$/.test(id));
}

export function sortKeys(env: Envelope, fields: readonly HeaderField[]): SortKeys {
  const subject = baseSubject(decodeWords(env.subject ?? ''));
  const from = firstAddress(env.from);
  const to = firstAddress(env.to);
  const cc = firstAddress(env.cc);
  const references = messageIds(fields.find((f) => f.key === 'references')?.value);
  return {
    subject: unicodeCasemap(subject.base),
    replyOrForward: subject.replyOrForward,
    from: unicodeCasemap(from?.mailbox ?? ''),
    to: unicodeCasemap(to?.mailbox ?? ''),
    cc: unicodeCasemap(cc?.mailbox ?? ''),
    displayFrom: unicodeCasemap(display(from)),
    displayTo: unicodeCasemap(display(to)),
    messageId: messageIds(env.messageId)[0] ?? null,
    parents: references.length ? references : messageIds(env.inReplyTo).slice(0, 1),
  };
}

const NO_ENVELOPE: Envelope = { date: null, subject: null, from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: null };

/** The sort key columns of mail_blobs, in the order sortKeyValues gives them. */
export const SORT_KEY_COLUMNS = [
  'sort_subject', 'thread_reply', 'sort_from', 'sort_to', 'sort_cc', 'sort_display_from', 'sort_display_to', 'message_id', 'thread_parents',
] as const;

export function sortKeyValues(k: SortKeys): unknown[] {
  return [k.subject, k.replyOrForward, k.from, k.to, k.cc, k.displayFrom, k.displayTo, k.messageId, k.parents];
}

/**
 * Computes the keys of the folder's messages stored before they existed (sort_subject NULL),
 * a batch at a time; idempotent, and one index probe when there is nothing to do.
 */
export async function fillSortKeys(c: pg.Pool, folderId: string): Promise<void> {
  for (;;) {
    const r = await c.query<{ id: string; mime: Partial<MimeIndex> | null; header: Buffer | null }>(
      `SELECT b.id, b.mime, substring(b.raw FROM 1 FOR coalesce(${bodyOffsetSql('b')}, 0)) AS header
         FROM mail_blobs b WHERE b.sort_subject IS NULL
          AND EXISTS (SELECT 1 FROM mail_messages m WHERE m.blob_id = b.id AND m.folder_id = $1)
        LIMIT 500`,
      [folderId],
    );
    if (!r.rows.length) return;
    const rows = r.rows.map((b) => {
      // A row without the indexer's envelope sorts as a message without header fields.
      const header = b.header ?? Buffer.alloc(0);
      const k = sortKeys(b.mime?.envelope ?? NO_ENVELOPE, parseHeader(header, 0, header.length));
      return { id: b.id, s: k.subject, r: k.replyOrForward, f: k.from, t: k.to, c: k.cc, df: k.displayFrom, dt: k.displayTo, m: k.messageId, p: k.parents };
    });
    await c.query(
      `UPDATE mail_blobs b SET sort_subject = u.s, thread_reply = u.r, sort_from = u.f, sort_to = u.t, sort_cc = u.c,
              sort_display_from = u.df, sort_display_to = u.dt, message_id = u.m,
              thread_parents = ARRAY(SELECT jsonb_array_elements_text(u.p))
         FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, s text, r boolean, f text, t text, c text, df text, dt text, m text, p jsonb)
        WHERE b.id = u.id`,
      [JSON.stringify(rows)],
    );
  }
}
