// IMAP dates: date ("1-Feb-1994", searches) and date-time ("17-Jul-1996 02:44:25 -0700",
// APPEND and INTERNALDATE).
import { ParseError, type Reader } from './reader';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function month(name: string): number {
  const i = MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new ParseError('Bad month');
  return i;
}

/** A calendar day, as "YYYY-MM-DD" (time zone free, as SEARCH compares them). */
export type Day = string;

export function parseDate(text: string): Day {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) throw new ParseError('Bad date');
  const d = Number(m[1]);
  const mo = month(m[2]);
  const y = Number(m[3]);
  const check = new Date(Date.UTC(y, mo, d));
  if (check.getUTCDate() !== d) throw new ParseError('Bad date');
  return `${m[3]}-${String(mo + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** date = date-text / DQUOTE date-text DQUOTE */
export function readDate(r: Reader): Day {
  return parseDate(r.peek() === '"' ? r.quoted() : r.atom());
}

/** A date-time with the zone it was written in (minutes east of UTC): INTERNALDATE keeps both. */
export interface ZonedDate {
  date: Date;
  zone: number;
}

export function parseDateTime(text: string): ZonedDate {
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!m) throw new ParseError('Bad date-time');
  const d = Number(m[1].trim());
  const mo = month(m[2]);
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const ms = Date.UTC(Number(m[3]), mo, d, Number(m[4]), Number(m[5]), Number(m[6])) - offset * 60_000;
  const check = new Date(Date.UTC(Number(m[3]), mo, d));
  if (check.getUTCDate() !== d || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) {
    throw new ParseError('Bad date-time');
  }
  return { date: new Date(ms), zone: offset };
}

/** INTERNALDATE in the zone it was given in (minutes east of UTC; 0 shows +0000). */
export function formatDateTime(date: Date, zone = 0): string {
  const local = new Date(date.getTime() + zone * 60_000);
  const d = String(local.getUTCDate()).padStart(2, '0');
  const t = [local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds()].map((n) => String(n).padStart(2, '0'));
  const z = Math.abs(zone);
  const offset = `${zone < 0 ? '-' : '+'}${String(Math.floor(z / 60)).padStart(2, '0')}${String(z % 60).padStart(2, '0')}`;
  return `${d}-${MONTHS[local.getUTCMonth()]}-${local.getUTCFullYear()} ${t.join(':')} ${offset}`;
}
