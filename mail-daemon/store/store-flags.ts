// STORE (RFC 3501 6.4.6, RFC 7162 UNCHANGEDSINCE) and the implicit \Seen of a non-peek BODY[] in
// one statement: the folder row locked first (as every writer does) and its HIGHESTMODSEQ raised
// by one only when a message changes, the addressed messages locked and read at their latest
// version, the new flags computed in SQL (stored order: system flags first, then keywords by
// code point, as ./flags.ts compareFlags), and a NOTIFY on commit. On a pool it is its own
// transaction, or shares one COMMIT with the writes that arrive while another commits
// (lib/db/group-commit: many sessions' STOREs, one WAL flush). A message that would hold more than
// MAX_FLAGS_PER_MESSAGE flags fails the whole command with nothing written.
//
// Flag changes commit asynchronously: the OK does not wait for the WAL flush, and a crash of the
// database can forget the last fraction of a second of them (never half of one: a change is
// there whole, with its MODSEQ, or not at all). Dovecot's default (mail_fsync = optimized) fsyncs
// saved mail, and its index for appends and expunges at most (dbox; Maildir's index not at all),
// never for flag and keyword changes; mail itself (delivery, APPEND, COPY, MOVE, EXPUNGE) is
// committed durably here.
import type pg from 'pg';
import { committed } from '@/lib/db/group-commit';
import { prepared } from '@/lib/db/pool';
import { CHANNELS } from '@/lib/db/channels';
import { StoreError, type MessageSummary, type UidRanges } from '@/mail-daemon/imap/backend';
import { num, type Client } from './db';
import { MAX_FLAGS_PER_MESSAGE, uidCondition } from './flags';

export interface FlagChange {
  op: 'add' | 'remove' | 'set';
  /** Normalized (./flags.ts normalizeFlags). */
  flags: string[];
  unchangedSince?: number;
}

export interface FlagsWritten {
  /** Every addressed message not refused by UNCHANGEDSINCE, with its flags and MODSEQ after the command. */
  updated: (MessageSummary & { changed: boolean })[];
  /** Refused by UNCHANGEDSINCE (RFC 7162 3.1.3), ascending. */
  modified: number[];
}

const SORTED = `ORDER BY left(x, 1) <> '\\', x COLLATE "C"`;

function nextFlags(op: FlagChange['op']): string {
  switch (op) {
    case 'set':
      return '$4::text[]';
    case 'add':
      return `ARRAY(SELECT x FROM (SELECT DISTINCT x FROM unnest(m.flags || $4::text[]) x) d ${SORTED})`;
    case 'remove':
      return `ARRAY(SELECT x FROM unnest(m.flags) x WHERE x <> ALL($4::text[]) ${SORTED})`;
  }
}

export async function writeFlags(
  c: Client | pg.Pool,
  folder: { mailboxId: string; folderId: string },
  uids: UidRanges | number[],
  change: FlagChange,
): Promise<FlagsWritten> {
  if (change.op === 'set' && change.flags.length > MAX_FLAGS_PER_MESSAGE) throw new StoreError('invalid', 'too many flags');
  const params: unknown[] = [folder.folderId, folder.mailboxId, CHANNELS.mailstore, change.flags, change.unchangedSince ?? null, MAX_FLAGS_PER_MESSAGE];
  type Row = {
    folder: boolean;
    too_many: boolean;
    rows: { uid: number; flags: string[]; modseq: number; changed: boolean; modified: boolean }[] | null;
  };
  const statement: pg.QueryConfig = {
    text: prepared(`WITH lk AS (SELECT id, highest_modseq FROM mail_folders WHERE id = $1 FOR UPDATE),
     cur AS (SELECT m.id, m.uid, m.flags, m.modseq, ${nextFlags(change.op)} AS next,
                    ($5::bigint IS NOT NULL AND m.modseq > $5::bigint) AS modified
               FROM mail_messages m WHERE m.folder_id = $1 AND EXISTS (SELECT 1 FROM lk) AND ${uidCondition(uids, params, 'm.uid')}
               FOR UPDATE OF m),
     too_many AS (SELECT EXISTS (SELECT 1 FROM cur WHERE NOT modified AND cardinality(next) > $6) AS yes),
     upd AS (UPDATE mail_messages m SET flags = cur.next, modseq = lk.highest_modseq + 1 FROM cur, lk, too_many
              WHERE m.id = cur.id AND NOT cur.modified AND NOT too_many.yes AND NOT (cur.next @> cur.flags AND cur.flags @> cur.next)
              RETURNING m.id, m.flags, m.modseq),
     f AS (UPDATE mail_folders SET highest_modseq = lk.highest_modseq + 1 FROM lk
            WHERE mail_folders.id = lk.id AND EXISTS (SELECT 1 FROM upd) RETURNING mail_folders.highest_modseq),
     n AS (SELECT pg_notify($3, json_build_object('mailboxId', $2::text, 'folderId', $1::text, 'modseq', f.highest_modseq, 'kind', 'messages')::text) FROM f)
     SELECT EXISTS (SELECT 1 FROM lk) AS folder, (SELECT yes FROM too_many) AS too_many, (SELECT count(*) FROM n) AS notified,
            (SELECT json_agg(json_build_object('uid', cur.uid, 'flags', coalesce(upd.flags, cur.flags), 'modseq', coalesce(upd.modseq, cur.modseq),
                                               'changed', upd.id IS NOT NULL, 'modified', cur.modified) ORDER BY cur.uid)
               FROM cur LEFT JOIN upd ON upd.id = cur.id) AS rows`),
    values: params,
  };
  // Keyed by mailbox, as deliveries are: a group takes each mailbox's rows in the same order.
  const r = await committed<Row>(c, statement, folder.mailboxId, { asynchronous: true });
  const row = r.rows[0];
  if (!row.folder) throw new StoreError('nonexistent', 'folder was deleted');
  if (row.too_many) throw new StoreError('invalid', 'too many flags');
  const out: FlagsWritten = { updated: [], modified: [] };
  for (const m of row.rows ?? []) {
    if (m.modified) out.modified.push(num(m.uid));
    else out.updated.push({ uid: num(m.uid), flags: m.flags, modseq: num(m.modseq), changed: m.changed });
  }
  return out;
}
