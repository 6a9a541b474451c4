// Mailbox names on the wire: astring in modified UTF-7 ⇄ the store's Unicode names.
// A name that is not valid modified UTF-7 is well-formed IMAP syntax (an astring) that
// names no mailbox (RFC 3501 5.1.3): NO for a command, no match in a LIST pattern,
// never BAD.
import { HIERARCHY_DELIMITER, StoreError } from '../backend';
import { ParseError, type Reader } from '../protocol/reader';
import { MailboxName } from '../protocol/encode';
import { decodeMailboxName, Utf7Error } from '../protocol/utf7';

export function normalizeName(name: string): string {
  let n = name;
  while (n.length > 1 && n.endsWith(HIERARCHY_DELIMITER)) n = n.slice(0, -1);
  if (n.toUpperCase() === 'INBOX') return 'INBOX';
  if (n.toUpperCase().startsWith('INBOX' + HIERARCHY_DELIMITER)) return 'INBOX' + n.slice(5);
  return n;
}

/**
 * The Unicode name, or null when the wire form is not valid modified UTF-7; `utf8` (the client
 * enabled UTF8=ACCEPT, RFC 6855 3): the wire form is the name itself, "&" included.
 */
export function decodeName(wire: string, utf8 = false): string | null {
  if (utf8) return normalizeName(wire);
  try {
    return normalizeName(decodeMailboxName(wire));
  } catch (err) {
    if (err instanceof Utf7Error) return null;
    throw err;
  }
}

function readName(r: Reader, invalid: () => StoreError): string {
  // RFC 6855 3: after ENABLE UTF8=ACCEPT names are UTF-8, never modified UTF-7 ("&" is itself).
  const name = decodeName(r.astring(), r.utf8);
  if (name === null) throw invalid();
  if (name === '') throw new ParseError('Empty mailbox name');
  if (/[\x00-\x1f\x7f]/.test(name)) throw new ParseError('Invalid mailbox name');
  return name;
}

/** A mailbox that should exist (SELECT, STATUS, DELETE, APPEND, COPY...): an undecodable name is NO [NONEXISTENT]. */
export function readMailbox(r: Reader): string {
  return readName(r, () => new StoreError('nonexistent', 'mailbox name is not valid modified UTF-7'));
}

/** A name to be created or subscribed (CREATE, RENAME's target, SUBSCRIBE): an undecodable name is NO [CANNOT]. */
export function readNewMailbox(r: Reader): string {
  return readName(r, () => new StoreError('cannot', 'mailbox name is not valid modified UTF-7'));
}

/** A name for a response: modified UTF-7, or UTF-8 for a UTF8=ACCEPT session (the session's writer decides). */
export function wireName(name: string): MailboxName {
  return new MailboxName(name);
}
