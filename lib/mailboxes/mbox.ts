// The mbox format, mboxrd dialect (RFC 4155 describes the family; mboxrd is the dialect where
// quoting is reversible): each message starts with a separator line "From <envelope sender>
// <asctime date>", lines of the message that begin with "From " after any number of '>' get one
// more '>', and a blank line ends each message. Lines end in LF, as on Unix.
//
// Postern stores messages with CRLF line ends and no bare CR or LF (lib/mime normalizeCrlf), so
// writing each CRLF as LF and reading each LF back as CRLF gives the same bytes — except that a
// message that did not end in a line end gains one: mbox cannot tell the two apart.
import fs from 'node:fs';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C asctime() form, in UTC: "Thu Dec  3 08:09:44 2026". */
export function asctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The separator line's sender: one word (RFC 4155: the envelope sender; MAILER-DAEMON for the null reverse-path). */
export function separatorSender(sender: string | null | undefined): string {
  const s = (sender ?? '').trim();
  return s && !/[\s\x00-\x1f\x7f]/.test(s) ? s : 'MAILER-DAEMON';
}

/** One message as it appears in an mboxrd file: separator, quoted lines, blank line. */
export function mboxEntry(raw: Buffer, sender: string | null | undefined, date: Date): Buffer {
  // latin1 maps each byte to one character and back: the regexes see bytes, 8-bit ones untouched.
  let text = raw.toString('latin1').replace(/\r\n/g, '\n');
  text = text.replace(/^(>*From )/gm, '>$1');
  if (!text.endsWith('\n')) text += '\n';
  return Buffer.from(`From ${separatorSender(sender)} ${asctime(date)}\n${text}\n`, 'latin1');
}

export interface MboxMessage {
  /** The message with CRLF line ends, unquoted. */
  raw: Buffer;
  sender: string;
  /** From the separator line's date, when it has one. */
  date?: Date;
}

const ASCTIME = /^\w{3} (\w{3}) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?: [A-Z]{3,4})? (\d{4})/;

/** The date of a separator line ("From sender Thu Dec  3 08:09:44 2026"), read as UTC. */
export function separatorDate(rest: string): Date | undefined {
  const m = ASCTIME.exec(rest);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]);
  if (month < 0) return undefined;
  const d = new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function finish(separator: string, lines: string[]): MboxMessage {
  // The blank line that ends each message belongs to the format, not to the message.
  if (lines.length && (lines[lines.length - 1] === '' || lines[lines.length - 1] === '\r')) lines.pop();
  const body = lines.map((l) => l.replace(/\r$/, '').replace(/^>(>*From )/, '$1')).join('\r\n');
  const [, sender = '', rest = ''] = /^From (\S*) ?(.*)$/.exec(separator) ?? [];
  return { raw: Buffer.from(lines.length ? `${body}\r\n` : '', 'latin1'), sender, date: separatorDate(rest) };
}

/** Thrown for a file that does not start with a separator line. */
export class NotMboxError extends Error {}

/** The messages of an mbox file, one at a time (the file is read in pieces, never whole). */
export async function* readMbox(file: string): AsyncGenerator<MboxMessage> {
  let separator: string | undefined;
  let lines: string[] = [];
  let partial = '';
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = partial + (chunk as Buffer).toString('latin1');
    const parts = text.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (line.startsWith('From ')) {
        if (separator !== undefined) yield finish(separator, lines);
        separator = line.replace(/\r$/, '');
        lines = [];
      } else if (separator === undefined) {
        if (line.trim()) throw new NotMboxError(`${file} is not an mbox file (it does not start with a "From " line)`);
      } else lines.push(line);
    }
  }
  if (partial) {
    if (separator === undefined) throw new NotMboxError(`${file} is not an mbox file (it does not start with a "From " line)`);
    lines.push(partial);
  }
  if (separator !== undefined) yield finish(separator, lines);
}

/**
 * Flags from the Status and X-Status header fields that mutt, Pine, Thunderbird and Python's
 * mailbox module write into mbox files (R: read; A: answered, F: flagged, T: draft, D: deleted).
 */
export function statusFlags(raw: Buffer): string[] {
  const end = raw.indexOf('\r\n\r\n');
  const header = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*([^\\r\\n]*)`, 'im').exec(header)?.[1] ?? '';
  const flags: string[] = [];
  const status = field('Status');
  const xStatus = field('X-Status');
  if (status.includes('R')) flags.push('\\Seen');
  if (xStatus.includes('A')) flags.push('\\Answered');
  if (xStatus.includes('F')) flags.push('\\Flagged');
  if (xStatus.includes('T')) flags.push('\\Draft');
  if (xStatus.includes('D')) flags.push('\\Deleted');
  return flags;
}

// A folder's file under the export directory: its '/'-separated levels as subdirectories, each
// level escaped so that no name climbs out of the directory ('.', '..') or hides ('.name'), with
// '%' escaped so that the name reads back exactly.
const escapeLevel = (level: string) => level.replace(/%/g, '%25').replace(/^\./, '%2E');
export const folderFile = (folder: string) => `${folder.split('/').map(escapeLevel).join('/')}.mbox`;
export const folderOfFile = (file: string) =>
  file
    .replace(/\.mbox$/, '')
    .split('/')
    .map((level) => level.replace(/^%2E/, '.').replace(/%25/g, '%'))
    .join('/');
