/**
 * The store interface the POP3 protocol code talks to (implemented by mail-daemon/store/pop3-store.ts).
 *
 * POP3 (RFC 1939) sees one maildrop per mailbox: the INBOX messages without \Deleted, as they
 * were when the session entered the TRANSACTION state. `open()` takes the maildrop's exclusive
 * lock (RFC 1939 §8: a second POP3 session answers -ERR [IN-USE]); IMAP sessions take no lock,
 * so while a POP3 session runs a message may be expunged under it: its list stays as it was,
 * `read()` answers null for such a message and `commit()` skips it. Nothing here knows about
 * message numbers, dot-stuffing or wire lines.
 */

/** One message of the maildrop as the session listed it at login. */
export interface MaildropMessage {
  /** The IMAP UID in INBOX: with `uidValidity`, the message's unique-id (UIDL) across sessions. */
  uid: number;
  /** Octets of the stored message (CRLF line ends), before dot-stuffing. */
  size: number;
}

export interface Maildrop {
  /** INBOX's UIDVALIDITY: never changes for a living folder, so UIDL values are stable. */
  readonly uidValidity: number;
  /** Ascending by UID: message number n is messages[n - 1]. */
  readonly messages: readonly MaildropMessage[];
  /** The stored bytes, or null when the message was expunged since the listing. */
  read(uid: number): Promise<Buffer | null>;
  /**
   * The UPDATE state (RFC 1939 §6): removes these UIDs, those still there, in one transaction
   * (tombstones for IMAP's change feed, quota given back); returns how many were removed.
   */
  commit(uids: number[]): Promise<number>;
  /** Lets go of the lock (idempotent); after it the maildrop is not used again. */
  release(): Promise<void>;
  /** Called once if the lock is lost under the session (the database connection holding it broke). */
  onLost(listener: () => void): void;
}

export type MaildropOpening = { ok: true; maildrop: Maildrop } | { ok: false; reason: 'in-use' };

export interface Pop3Store {
  /** After successful authentication: the lock, then the listing. */
  open(mailboxId: string): Promise<MaildropOpening>;
}
