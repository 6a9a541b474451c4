// Row shapes the mail store reads from Postgres (int8 columns arrive as strings; ./db num()).
import type { MimeIndex } from '@/lib/mime';
import { HIERARCHY_DELIMITER, type FolderInfo, type SpecialUse } from '@/mail-daemon/imap/backend';

/** A mail_folders row (with FOLDER_SUBSCRIBED where a FolderInfo is made of it). */
export interface FolderRow {
  id: string;
  name: string;
  special_use: string | null;
  subscribed?: boolean;
  uid_validity: string;
  uid_next: string;
  highest_modseq: string;
  first_recent_uid: string;
}

/** The per-message columns a FETCH reads before it loads any message bytes (those it was asked for). */
export interface MetaRow {
  uid: string;
  flags?: string[];
  modseq?: string;
  internal_date?: Date;
  internal_date_zone?: number;
  size?: number;
  blob_id: string;
  mime?: MimeIndex;
  /** The root's body offset and end (it starts at 0), read instead of the whole MIME index (sections of the message itself). */
  root_b?: number;
  root_e?: number;
  /** The span those sections cover, when small enough to come with the row; null: loaded after. */
  inline?: Buffer | null;
}

/**
 * Where blob `b`'s body starts, in SQL. The column, read without touching the MIME index (a jsonb
 * fetched from TOAST and decompressed whole); the index only for rows a daemon older than the
 * column wrote. The root spans the whole message: it starts at 0 and ends at its size.
 */
export function bodyOffsetSql(b: string): string {
  return `coalesce(${b}.body_offset, (${b}.mime->'root'->>'b')::int)`;
}

/** A select-list column: is the folder's name subscribed (mail_subscriptions)? */
export const FOLDER_SUBSCRIBED = `EXISTS (SELECT 1 FROM mail_subscriptions s
  WHERE s.mailbox_id = mail_folders.mailbox_id AND s.name = mail_folders.name) AS subscribed`;

export function folderInfo(r: FolderRow): FolderInfo {
  return { id: r.id, name: r.name, delimiter: HIERARCHY_DELIMITER, specialUse: (r.special_use as SpecialUse) ?? null, subscribed: r.subscribed === true };
}
