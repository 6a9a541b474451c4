// APPEND (RFC 3501 6.3.11) with its extensions: several messages in one command, stored all or
// none (RFC 3502 MULTIAPPEND, APPENDUID with a UID set), literal8 message data stored octet for
// octet (RFC 3516 4.4), messages built from TEXT literals and URLs of this user's messages
// (RFC 4469 CATENATE, [BADURL], [TOOBIG]), and RFC 6855 4's UTF8 (literal8) for messages with
// UTF-8 header fields, once the client enabled UTF8=ACCEPT.
import fs from 'node:fs';
import { SYSTEM_FLAGS, type AppendInput } from '../backend';
import { Code } from '../codes';
import { parseDateTime } from '../protocol/dates';
import type { Spool } from '../protocol/framer';
import { parseMessageUrl } from '../protocol/imap-url';
import { ParseError, type Reader } from '../protocol/reader';
import { formatSet } from '../protocol/sequence';
import { canonicalFlag } from './authenticated';
import { normalizeName, readMailbox } from './mailbox-name';
import { AUTHENTICATED, bad, command, no, ok, tryCreateOrThrow, type CommandSession, type Completion } from './types';

/** A literal's bytes: in memory, or spooled to a temporary file past the framer's threshold. */
type Data = Buffer | Spool;

/** A literal (`binary`: a literal8; `utf8`: inside RFC 6855's UTF8 ( ... )). */
interface Literal {
  data: Data;
  binary: boolean;
  utf8?: boolean;
}

/** One CATENATE part (RFC 4469 5): a literal of text, or the URL of a message section. */
type CatPart = { text: Literal } | { url: string };

interface AppendMessage {
  flags: string[];
  date?: { date: Date; zone: number };
  content: Literal | { catenate: CatPart[] };
}

interface AppendArgs {
  name: string;
  messages: AppendMessage[];
}

/** The largest number of messages in one APPEND (MULTIAPPEND). */
export const MAX_APPEND_MESSAGES = 1000;
/** The largest number of parts in one CATENATE. */
export const MAX_CATENATE_PARTS = 100;

function readData(r: Reader): Literal {
  if (r.peek() === '"') return { data: r.stringBytes(), binary: false };
  const binary = r.atLiteral8();
  return { data: r.literalOrSpool(), binary };
}

/** RFC 6855 4: utf8-literal = "UTF8" SP "(" literal8 ")", after its "UTF8 ". */
function readUtf8Literal(r: Reader): Literal {
  r.expect('(');
  if (!r.atLiteral8()) throw new ParseError('UTF8 data is a literal8');
  const data = r.literalOrSpool();
  r.expect(')');
  return { data, binary: true, utf8: true };
}

function readCatPart(r: Reader): CatPart {
  const kind = r.atom().toUpperCase();
  r.sp();
  if (kind === 'URL') return { url: r.astring() };
  if (kind === 'TEXT') return { text: readData(r) };
  if (kind === 'UTF8') return { text: readUtf8Literal(r) };
  throw new ParseError('Expected TEXT, UTF8 or URL');
}

/** [flag-list SP] [date-time SP] (literal / literal8 / CATENATE (parts)) */
function readMessage(r: Reader): AppendMessage {
  let flags: string[] = [];
  if (r.peek() === '(') {
    flags = r.list(() => r.flag());
    r.sp();
  }
  let date: AppendMessage['date'];
  if (r.peek() === '"') {
    date = parseDateTime(r.quoted());
    r.sp();
  }
  if (r.accept('CATENATE ')) {
    const catenate = r.list(() => readCatPart(r), false);
    if (catenate.length > MAX_CATENATE_PARTS) throw new ParseError('Too many CATENATE parts');
    return { flags, date, content: { catenate } };
  }
  if (r.accept('UTF8 ')) return { flags, date, content: readUtf8Literal(r) };
  return { flags, date, content: readData(r) };
}

/** A spooled literal, streamed to the store (never held whole in memory); opened only when read. */
async function* spooled(path: string): AsyncIterable<Buffer> {
  yield* fs.createReadStream(path);
}

function size(data: Data): number {
  return Buffer.isBuffer(data) ? data.length : data.size;
}

function invalidFlag(flags: string[]): boolean {
  return flags.some((f) => f === '\\*' || (f.startsWith('\\') && !SYSTEM_FLAGS.some((sf) => sf.toLowerCase() === f.toLowerCase())));
}

/** A CATENATE's bytes, or the failed completion: [BADURL url] for a URL that names nothing. */
async function catenate(s: CommandSession, parts: CatPart[]): Promise<Literal | Completion> {
  const pieces: Buffer[] = [];
  let binary = false;
  let utf8 = false;
  for (const part of parts) {
    if ('text' in part) {
      const { data } = part.text;
      pieces.push(Buffer.isBuffer(data) ? data : await fs.promises.readFile(data.path));
      binary ||= part.text.binary;
      utf8 ||= !!part.text.utf8;
      continue;
    }
    const url = parseMessageUrl(part.url);
    const data = url && (await s.mail.readSection({ folder: url.mailbox, uidValidity: url.uidValidity, uid: url.uid, section: { part: url.section.part, specifier: url.section.text, fields: url.section.fields, partial: url.partial } }));
    // The URL goes back as the client sent it, without the characters a response code cannot hold.
    if (!data) return no(`${Code.BADURL} ${part.url.replace(/[\]\r\n\0]/g, '')}`, 'The URL does not name a message section of this user');
    pieces.push(data);
  }
  return { data: Buffer.concat(pieces), binary, utf8 };
}

const append = command({
  states: AUTHENTICATED,
  parse(r): AppendArgs {
    r.sp();
    const name = readMailbox(r);
    const messages: AppendMessage[] = [];
    do {
      r.sp();
      messages.push(readMessage(r));
      if (messages.length > MAX_APPEND_MESSAGES) throw new ParseError('Too many messages in one APPEND');
    } while (!r.atEnd());
    return { name, messages };
  },
  async handle(s, { name, messages }: AppendArgs) {
    const inputs: AppendInput[] = [];
    for (const m of messages) {
      const flags = m.flags.filter((f) => f.toLowerCase() !== '\\recent');
      if (invalidFlag(flags)) return bad('Invalid flag in APPEND');
      const base = { flags: flags.map(canonicalFlag), internalDate: m.date?.date, internalDateZone: m.date?.zone };
      let content: Literal;
      if ('catenate' in m.content) {
        const built = await catenate(s, m.content.catenate);
        if (!('data' in built)) return built;
        content = built;
      } else content = m.content;
      if (content.utf8 && !s.utf8Accept) return bad('UTF8 data needs ENABLE UTF8=ACCEPT', Code.CLIENTBUG);
      const n = size(content.data);
      if (n === 0) return no(Code.CANNOT, 'Empty message');
      const data = Buffer.isBuffer(content.data) ? content.data : spooled(content.data.path);
      inputs.push({ ...base, size: n, data, verbatim: content.binary });
    }
    try {
      const res = await s.mail.appendMany(name, inputs);
      if (s.selectedName === normalizeName(name)) s.noteChange();
      return ok('APPEND completed', `${Code.APPENDUID} ${res.uidValidity} ${formatSet(res.uids)}`);
    } catch (err) {
      return tryCreateOrThrow(err);
    }
  },
});

export const appendCommands = { APPEND: append };
