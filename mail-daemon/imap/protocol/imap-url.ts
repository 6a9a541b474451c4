// IMAP URLs (RFC 5092) naming one message section, as CATENATE's URL parts do (RFC 4469 5):
// the relative form "/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1.2/;PARTIAL=0.100", which
// names a message of the authenticated user. Absolute "imap://" URLs (another server or user,
// URLAUTH) name nothing here.
import { ParseError, Reader } from './reader';
import { readSection, type Section } from './fetch-items';

export interface MessageUrl {
  /** Unicode (the URL's percent-encoded UTF-8). */
  mailbox: string;
  uidValidity?: number;
  uid: number;
  section: Section;
  partial?: { offset: number; length: number };
}

const PATH = /^([^;]*?)(?:;UIDVALIDITY=(\d{1,10}))?\/?;UID=(\d{1,10})(?:\/?;SECTION=([^/]*))?(?:\/?;PARTIAL=(\d{1,10})(?:\.(\d{1,10}))?)?$/i;

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The message section a relative URL names, or null when it is not one. */
export function parseMessageUrl(url: string): MessageUrl | null {
  if (!url.startsWith('/')) return null;
  const m = PATH.exec(url.slice(1));
  if (!m) return null;
  const mailbox = decode(m[1]);
  const uid = Number(m[3]);
  if (!mailbox || uid < 1) return null;
  const out: MessageUrl = { mailbox, uid, section: { part: [] } };
  if (m[2] !== undefined) out.uidValidity = Number(m[2]);
  if (m[4] !== undefined) {
    const text = decode(m[4]);
    if (text === null) return null;
    try {
      const r = Reader.fromText(`[${text}]`);
      out.section = readSection(r);
      r.end();
    } catch (err) {
      if (err instanceof ParseError) return null;
      throw err;
    }
  }
  if (m[5] !== undefined) out.partial = { offset: Number(m[5]), length: m[6] !== undefined ? Number(m[6]) : Number.MAX_SAFE_INTEGER };
  return out;
}
