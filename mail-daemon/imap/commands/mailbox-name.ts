// Mailbox names on the wire: astring in modified UTF-7 ⇄ the store's Unicode names.
import { HIERARCHY_DELIMITER } from '../backend';
import { ParseError, type Reader } from '../protocol/reader';
import { decodeMailboxName, encodeMailboxName, Utf7Error } from '../protocol/utf7';

export function normalizeName(name: string): string {
  let n = name;
  while (n.length > 1 && n.endsWith(HIERARCHY_DELIMITER)) n = n.slice(0, -1);
  if (n.toUpperCase() === 'INBOX') return 'INBOX';
  if (n.toUpperCase().startsWith('INBOX' + HIERARCHY_DELIMITER)) return 'INBOX' + n.slice(5);
  return n;
}

export function decodeName(wire: string): string {
  try {
    return normalizeName(decodeMailboxName(wire));
  } catch (err) {
    if (err instanceof Utf7Error) throw new ParseError('Invalid mailbox name encoding');
    throw err;
  }
}

export function readMailbox(r: Reader): string {
  const name = decodeName(r.astring());
  if (name === '') throw new ParseError('Empty mailbox name');
  if (/[\x00-\x1f\x7f]/.test(name)) throw new ParseError('Invalid mailbox name');
  return name;
}

export function wireName(name: string): string {
  return encodeMailboxName(name);
}
