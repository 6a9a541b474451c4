import { removeHeaderFields } from '@/lib/mime';

// RFC 8601: one Authentication-Results header field per message we judged, with our host
// name as its authserv-id (§2.5), and no field claiming that id from anyone else (§5).

/** RFC 8601 §2.2: the authserv-id, the first token of the value (comments and quotes aside). */
export function authservIdOf(value: string): string {
  let text = value;
  // CFWS may surround the id; comments nest (RFC 5322 §3.2.2).
  for (let before = ''; before !== text; ) {
    before = text;
    text = text.replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
  }
  const id = text.trim().split(/[\s;]/, 1)[0] ?? '';
  return id.replace(/^"(.*)"$/, '$1').toLowerCase();
}

/**
 * RFC 8601 §5: "a border MTA … MUST remove" Authentication-Results fields that claim its own
 * authserv-id, since only this server writes them; fields of other servers stay (they are
 * someone else's claims, and ARC or a reader may weigh them). With `spamFields`, also the spam
 * verdict fields we write (X-Spam-Status, X-Spam-Score): a sender's own would pass for ours.
 * One pass over the header; the message is returned as is when there is nothing to remove.
 */
export function removeForgedResults(message: Buffer, authservId: string, spamFields = false): { message: Buffer; removed: number } {
  const ours = authservId.toLowerCase();
  return removeHeaderFields(
    message,
    (f) => (f.key === 'authentication-results' && authservIdOf(f.value) === ours) || (spamFields && (f.key === 'x-spam-status' || f.key === 'x-spam-score')),
  );
}

/** The field, folded one result per line (RFC 8601 §2.2 resinfo separated by ";"). */
export function authenticationResultsField(authservId: string, rows: string[]): string {
  if (!rows.length) return `Authentication-Results: ${authservId}; none\r\n`;
  return `Authentication-Results: ${authservId};\r\n\t${rows.join(';\r\n\t')}\r\n`;
}
