// The text SEARCH's header keys compare (RFC 3501 6.4.4 SUBJECT, FROM, TO, CC, BCC, HEADER): a
// field's value with its RFC 2047 encoded-words decoded, case and whitespace folded. It is computed
// once per stored message at delivery/APPEND for the fields clients search (mail_blobs.search_headers
// and search_addresses), so SEARCH matches those in SQL instead of reading and parsing every
// candidate's header; the JS matcher (./search.ts) uses the very same functions on the rows stored
// before the columns, and for fields outside SEARCHED_FIELDS.
import { parseAddressList, type HeaderField } from '@/lib/mime';
import { decodeQpText, fold, textDecoder } from './body-scan';

/** RFC 2047 encoded-words decoded for matching. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, enc: string, text: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQpText(text.replace(/_/g, ' '));
      return textDecoder(charset).decode(bytes);
    });
}

const PHRASE_SPECIALS = /[()<>[\]:;@\\,."]/;

/**
 * An address field as FROM/TO/CC/BCC match it (as Dovecot does): each address decoded and written
 * 'Name <local@domain>' (the name quoted when it holds specials), comments and folding gone.
 */
function addressText(value: string): string {
  return (parseAddressList(value) ?? [])
    .filter((a) => a.host !== null)
    .map((a) => {
      const spec = `${a.mailbox}@${a.host}`;
      if (!a.name) return spec;
      const name = decodeWords(a.name);
      return `${PHRASE_SPECIALS.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : name} <${spec}>`;
    })
    .join(', ');
}

/** What HEADER and SUBJECT look for a needle in: the field's decoded, folded text. */
export function headerMatchText(value: string): string {
  return fold(decodeWords(value));
}

/** What FROM/TO/CC/BCC look for a needle in: the field's decoded addresses, folded. */
export function addressMatchText(value: string): string {
  return fold(addressText(value));
}

/** The top-level fields whose match text is stored: what clients search by (HEADER x for others reads the header). */
export const SEARCHED_FIELDS: ReadonlySet<string> = new Set([
  'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'message-id', 'in-reply-to', 'references', 'list-id',
]);
const ADDRESS_FIELDS: ReadonlySet<string> = new Set(['from', 'to', 'cc', 'bcc']);

/** A message's stored match texts, each 'name:text', one per occurrence of the field, in header order. */
export interface SearchTexts {
  headers: string[];
  addresses: string[];
}

/** The mail_blobs columns of SearchTexts, in the order searchTextValues gives them. */
export const SEARCH_TEXT_COLUMNS = ['search_headers', 'search_addresses'] as const;

/**
 * The match texts of a message's top-level header fields; null when one holds a NUL, which a
 * Postgres text cannot: such a message is matched as one stored before the columns.
 */
export function searchTexts(fields: readonly HeaderField[]): SearchTexts | null {
  const headers: string[] = [];
  const addresses: string[] = [];
  for (const f of fields) {
    if (!SEARCHED_FIELDS.has(f.key)) continue;
    headers.push(`${f.key}:${headerMatchText(f.value)}`);
    if (ADDRESS_FIELDS.has(f.key)) addresses.push(`${f.key}:${addressMatchText(f.value)}`);
  }
  if (headers.some((t) => t.includes('\0')) || addresses.some((t) => t.includes('\0'))) return null;
  return { headers, addresses };
}

export function searchTextValues(t: SearchTexts | null): unknown[] {
  return [t?.headers ?? null, t?.addresses ?? null];
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

/**
 * SQL true when one of the row's stored texts in `column` (b.search_headers or b.search_addresses)
 * is field `name`'s and contains `value` folded: the JS matcher's test, for rows that have them.
 */
export function storedTextCondition(column: string, name: string, value: string, p: (v: unknown) => string): string {
  return `EXISTS (SELECT 1 FROM unnest(${column}) AS t(x) WHERE t.x LIKE ${p(`${likeEscape(name)}:%${likeEscape(fold(value))}%`)})`;
}
