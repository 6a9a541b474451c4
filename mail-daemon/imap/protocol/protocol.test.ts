// The parser/serializer layer alone: tables of raw input → typed value, typed value → bytes.
import { describe, expect, it } from 'vitest';
import { parseDate, parseDateTime, formatDateTime } from './dates';
import { atom, statusLine, toBytes, untagged, WireBuilder } from './encode';
import { readFetchSpec, sectionLabel, type FetchItem } from './fetch-items';
import fs from 'node:fs';
import { CommandFramer, releaseFrame, type Frame, type FrameError } from './framer';
import { ParseError, Reader } from './reader';
import { readSearch, type SearchKey } from './search';
import { formatSet, parseSequenceSet, resolveStar, STAR } from './sequence';
import { decodeMailboxName, encodeMailboxName } from './utf7';
import { bodyStructureValue, envelopeValue } from './mime-wire';

function frame(input: string | Buffer[], limits = { maxLine: 100, maxLiteral: (c: string) => (c === 'APPEND' ? 50 : 10), maxCommand: 200 }) {
  const out: (Frame | FrameError | string)[] = [];
  const f = new CommandFramer(limits, {
    command: (fr) => out.push(fr),
    continuation: () => out.push('+'),
    line: (t) => out.push(`line:${t}`),
    error: (e) => out.push(e),
  });
  for (const chunk of typeof input === 'string' ? [Buffer.from(input)] : input) f.push(chunk);
  return { out, f };
}

const text = (t: string) => ({ text: t });
const lit = (t: string) => ({ literal: Buffer.from(t) });

describe('framer', () => {
  const cases: [string, string, unknown[]][] = [
    ['simple line', 'a1 NOOP\r\n', [{ parts: [text('a1 NOOP')] }]],
    ['bare LF', 'a1 NOOP\n', [{ parts: [text('a1 NOOP')] }]],
    ['two pipelined', 'a NOOP\r\nb NOOP\r\n', [{ parts: [text('a NOOP')] }, { parts: [text('b NOOP')] }]],
    [
      'synchronizing literal asks for continuation',
      'a LOGIN {5}\r\nalice {6}\r\nsecret\r\n',
      ['+', '+', { parts: [text('a LOGIN '), lit('alice'), text(' '), lit('secret'), text('')] }],
    ],
    ['LITERAL+ does not', 'a LOGIN {5+}\r\nalice x\r\n', [{ parts: [text('a LOGIN '), lit('alice'), text(' x')] }]],
    ['empty literal', 'a LOGIN {0}\r\n x\r\n', ['+', { parts: [text('a LOGIN '), lit(''), text(' x')] }]],
    ['literal holding CRLF', 'a X {4+}\r\n\r\n\r\n\r\n', [{ parts: [text('a X '), lit('\r\n\r\n'), text('')] }]],
    ['line too long keeps the tag', `t9 NOOP ${'x'.repeat(200)}\r\nb NOOP\r\n`, [{ tag: 't9', status: 'BAD', code: 'TOOBIG', text: 'Command line too long' }, { parts: [text('b NOOP')] }]],
    ['sync literal too large: no continuation, BAD with tag', 'a1 LOGIN {11}\r\nb NOOP\r\n', [{ tag: 'a1', status: 'BAD', code: 'TOOBIG', text: 'Literal too large' }, { parts: [text('b NOOP')] }]],
    ['APPEND too large: NO [TOOBIG]', 'a2 APPEND INBOX {51}\r\n', [{ tag: 'a2', status: 'NO', code: 'TOOBIG', text: 'Message larger than the limit of 50 bytes' }]],
    ['APPEND at the limit is fine', `a2 APPEND INBOX {50+}\r\n${'m'.repeat(50)}\r\n`, [{ parts: [text('a2 APPEND INBOX '), lit('m'.repeat(50)), text('')] }]],
    ['non-sync literal too large is consumed, not kept', `a3 LOGIN {20+}\r\n${'z'.repeat(20)} x\r\nb NOOP\r\n`, [{ tag: 'a3', status: 'BAD', code: 'TOOBIG', text: 'Literal too large' }, { parts: [text('b NOOP')] }]],
    ['command size limit across literals', 'a4 X' + ' {10+}\r\n0123456789'.repeat(25) + '\r\nb NOOP\r\n', [{ tag: 'a4', status: 'BAD', code: 'TOOBIG', text: 'Literal too large' }, { parts: [text('b NOOP')] }]],
    ['blank lines are ignored', '\r\n\r\na NOOP\r\n', [{ parts: [text('a NOOP')] }]],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(frame(input).out).toEqual(expected);
  });

  it('reassembles a command split across arbitrary chunks', () => {
    const wire = 'a LOGIN {5}\r\nalice "pw"\r\nb NOOP\r\n';
    const chunks = [...wire].map((c) => Buffer.from(c));
    expect(frame(chunks).out).toEqual(['+', { parts: [text('a LOGIN '), lit('alice'), text(' "pw"')] }, { parts: [text('b NOOP')] }]);
  });

  it('spools a literal past the threshold to a private temporary file', () => {
    const frames: Frame[] = [];
    const f = new CommandFramer({ maxLine: 100, maxLiteral: () => 1000, maxCommand: 2000, spoolAbove: 10 }, {
      command: (fr) => frames.push(fr),
      continuation: () => {},
      line: () => {},
      error: () => {},
    });
    f.push(Buffer.from('a APPEND INBOX {26+}\r\nabcdefghij'));
    f.push(Buffer.from('klmnopqrstuvwxyz\r\n'));
    const part = frames[0].parts[1] as { spool: { path: string; size: number } };
    expect(part.spool.size).toBe(26);
    expect(fs.readFileSync(part.spool.path, 'utf8')).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(fs.statSync(part.spool.path).mode & 0o777).toBe(0o600);
    const r = new Reader(frames[0].parts);
    r.tag();
    r.sp();
    r.atom();
    r.sp();
    r.atom();
    r.sp();
    expect(r.literalOrSpool()).toEqual(part.spool);
    releaseFrame(frames[0]);
  });

  it('line mode delivers the next line raw (IDLE DONE)', () => {
    const out: string[] = [];
    const f = new CommandFramer({ maxLine: 100, maxLiteral: () => 10, maxCommand: 100 }, {
      command: (fr) => out.push(JSON.stringify(fr)),
      continuation: () => out.push('+'),
      line: (t) => out.push(`line:${t}`),
      error: () => out.push('error'),
    });
    f.expectLine(true);
    f.push(Buffer.from('DONE\r\na NOOP\r\n'));
    expect(out).toEqual(['line:DONE', JSON.stringify({ parts: [text('a NOOP')] })]);
    // An over-long line in line mode still ends the wait (with an empty line).
    out.length = 0;
    f.expectLine(true);
    f.push(Buffer.from('x'.repeat(300) + '\r\nb NOOP\r\n'));
    expect(out).toEqual(['line:', JSON.stringify({ parts: [text('b NOOP')] })]);
  });
});

describe('reader', () => {
  it('reads tags, atoms, quoted strings with escapes, literals, NIL', () => {
    const r = new Reader([text('a1 LOGIN "al\\"ice\\\\" '), lit('p w'), text(' NIL x')]);
    expect(r.tag()).toBe('a1');
    r.sp();
    expect(r.atom()).toBe('LOGIN');
    r.sp();
    expect(r.astring()).toBe('al"ice\\');
    r.sp();
    expect(r.astring()).toBe('p w');
    r.sp();
    expect(r.nstring()).toBeNull();
    r.sp();
    expect(r.atom()).toBe('x');
    expect(r.atEnd()).toBe(true);
  });

  const bad: [string, (r: Reader) => unknown][] = [
    ['unterminated quote', (r) => r.quoted()],
    ['bad escape', (r) => r.quoted()],
    ['number too big', (r) => r.number()],
    ['no atom', (r) => r.atom()],
  ];
  const inputs = ['"abc', '"a\\bc"', '99999999999', '(x'];
  it.each(bad.map((b, i) => [...b, inputs[i]] as const))('%s is a ParseError', (_n, f, input) => {
    expect(() => f(Reader.fromText(input))).toThrow(ParseError);
  });

  it('reads flag lists including \\* and keywords', () => {
    const r = Reader.fromText('(\\Seen \\Flagged $Junk \\*)');
    expect(r.list(() => r.flag())).toEqual(['\\Seen', '\\Flagged', '$Junk', '\\*']);
  });

  it('reads mailbox names with ] and patterns with % *', () => {
    expect(Reader.fromText('a]b').astring()).toBe('a]b');
    expect(Reader.fromText('INBOX/%').listMailbox()).toBe('INBOX/%');
    expect(Reader.fromText('*').listMailbox()).toBe('*');
  });
});

describe('sequence sets', () => {
  const cases: [string, unknown][] = [
    ['1', [{ start: 1, end: 1 }]],
    ['1:3,5', [{ start: 1, end: 3 }, { start: 5, end: 5 }]],
    ['*', [{ start: STAR, end: STAR }]],
    ['7:*', [{ start: 7, end: STAR }]],
    ['*:4', [{ start: 4, end: STAR }]],
    ['5:2', [{ start: 2, end: 5 }]],
  ];
  it.each(cases)('%s', (input, expected) => expect(parseSequenceSet(input)).toEqual(expected));
  it.each(['0', '1:', ',1', '1,,2', 'a', '1:2:3', '4294967296'])('rejects %s', (input) => {
    expect(() => parseSequenceSet(input)).toThrow(ParseError);
  });
  it('resolves * against the largest number', () => {
    expect(resolveStar(parseSequenceSet('7:*,*'), 5)).toEqual([{ start: 5, end: 7 }, { start: 5, end: 5 }]);
  });
  it('formats compactly', () => expect(formatSet([5, 1, 2, 3, 9, 10])).toBe('1:3,5,9:10'));
});

describe('fetch items', () => {
  const B = (section: object, peek = false, partial?: object): FetchItem => ({ kind: 'BODY[]', peek, section: { part: [], ...section }, ...(partial ? { partial } : {}) }) as FetchItem;
  const cases: [string, FetchItem[]][] = [
    ['ALL', [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }, { kind: 'ENVELOPE' }]],
    ['FAST', [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }]],
    ['FULL', [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }, { kind: 'ENVELOPE' }, { kind: 'BODY' }]],
    ['flags', [{ kind: 'FLAGS' }]],
    ['(UID RFC822.SIZE BODYSTRUCTURE MODSEQ)', [{ kind: 'UID' }, { kind: 'RFC822.SIZE' }, { kind: 'BODYSTRUCTURE' }, { kind: 'MODSEQ' }]],
    ['(RFC822 RFC822.HEADER RFC822.TEXT ENVELOPE BODY)', [{ kind: 'RFC822' }, { kind: 'RFC822.HEADER' }, { kind: 'RFC822.TEXT' }, { kind: 'ENVELOPE' }, { kind: 'BODY' }]],
    ['BODY[]', [B({})]],
    ['BODY.PEEK[]<0.100>', [B({}, true, { start: 0, length: 100 })]],
    ['BODY[HEADER]', [B({ text: 'HEADER' })]],
    ['BODY[TEXT]<10.5>', [B({ text: 'TEXT' }, false, { start: 10, length: 5 })]],
    ['BODY[1.2.3]', [B({ part: [1, 2, 3] })]],
    ['BODY[2.MIME]', [B({ part: [2], text: 'MIME' })]],
    ['BODY[1.HEADER]', [B({ part: [1], text: 'HEADER' })]],
    ['BODY.PEEK[HEADER.FIELDS (From Subject "X-Y")]', [B({ text: 'HEADER.FIELDS', fields: ['From', 'Subject', 'X-Y'] }, true)]],
    ['(UID BODY.PEEK[HEADER.FIELDS.NOT (Received)])', [{ kind: 'UID' }, B({ text: 'HEADER.FIELDS.NOT', fields: ['Received'] }, true)]],
  ];
  it.each(cases)('%s', (input, expected) => {
    const r = Reader.fromText(input);
    expect(readFetchSpec(r)).toEqual(expected);
    expect(r.atEnd()).toBe(true);
  });
  it.each(['BODY[MIME]', 'BODY.PEEK', 'BODY[0]', 'BODY[HEADER.FIELDS ()]', 'BODY[]<1>', 'BOGUS', '()', 'ALLX', 'BODY[FOO]'])('rejects %s', (input) => {
    expect(() => readFetchSpec(Reader.fromText(input))).toThrow(ParseError);
  });
  it('labels sections as the response needs them', () => {
    expect(sectionLabel({ part: [1, 2], text: 'HEADER.FIELDS', fields: ['From', 'To'] }, 0)).toBe('BODY[1.2.HEADER.FIELDS (From To)]<0>');
    expect(sectionLabel({ part: [] })).toBe('BODY[]');
  });
});

describe('search keys', () => {
  const cases: [string, SearchKey][] = [
    ['ALL', { op: 'all' }],
    ['UNSEEN', { op: 'flag', flag: '\\Seen', set: false }],
    ['1:3,*', { op: 'seq', set: [{ start: 1, end: 3 }, { start: STAR, end: STAR }] }],
    ['UID 5:*', { op: 'uid', set: [{ start: 5, end: STAR }] }],
    ['FROM "alice smith"', { op: 'address', field: 'from', value: 'alice smith' }],
    ['HEADER X-Spam yes', { op: 'header', field: 'x-spam', value: 'yes' }],
    ['SINCE 1-Feb-2024', { op: 'date', field: 'internal', cmp: 'since', day: '2024-02-01' }],
    ['SENTBEFORE "15-Mar-2023"', { op: 'date', field: 'sent', cmp: 'before', day: '2023-03-15' }],
    ['LARGER 1000', { op: 'size', cmp: 'larger', n: 1000 }],
    ['KEYWORD $Work', { op: 'flag', flag: '$Work', set: true }],
    ['NOT DELETED', { op: 'not', key: { op: 'flag', flag: '\\Deleted', set: true } }],
    ['OR SEEN (FLAGGED TO bob)', { op: 'or', a: { op: 'flag', flag: '\\Seen', set: true }, b: { op: 'and', keys: [{ op: 'flag', flag: '\\Flagged', set: true }, { op: 'address', field: 'to', value: 'bob' }] } }],
    ['OR OR NEW OLD RECENT', { op: 'or', a: { op: 'or', a: { op: 'new' }, b: { op: 'old' } }, b: { op: 'recent', set: true } }],
    ['MODSEQ 42', { op: 'modseq', n: 42 }],
    ['MODSEQ "/flags/\\\\draft" all 620', { op: 'modseq', n: 620 }],
    ['BODY hello TEXT world', { op: 'and', keys: [{ op: 'body', value: 'hello' }, { op: 'text', value: 'world' }] }],
  ];
  it.each(cases)('%s', (input, key) => expect(readSearch(Reader.fromText(input)).key).toEqual(key));
  it('CHARSET UTF-8 with a literal', () => {
    const r = new Reader([text('CHARSET UTF-8 SUBJECT '), { literal: Buffer.from('Grüße') }, text('')]);
    expect(readSearch(r)).toEqual({ charset: 'UTF-8', key: { op: 'header', field: 'subject', value: 'Grüße' } });
  });
  it.each(['', 'BOGUS', 'OR SEEN', 'NOT', 'SINCE 32-Jan-2024', 'LARGER x', '(SEEN', 'CHARSET KOI8-R ALL'])('rejects %j', (input) => {
    expect(() => readSearch(Reader.fromText(input))).toThrow(ParseError);
  });
});

describe('dates', () => {
  it('parses date and date-time', () => {
    expect(parseDate('1-Feb-1994')).toBe('1994-02-01');
    expect(parseDateTime('17-Jul-1996 02:44:25 -0700').date.toISOString()).toBe('1996-07-17T09:44:25.000Z');
    expect(parseDateTime('17-Jul-1996 02:44:25 -0700').zone).toBe(-420);
    expect(parseDateTime(' 7-Jul-1996 02:44:25 +0000').date.toISOString()).toBe('1996-07-07T02:44:25.000Z');
    expect(formatDateTime(new Date('1996-07-17T09:44:25Z'))).toBe('17-Jul-1996 09:44:25 +0000');
    expect(formatDateTime(new Date('1996-07-17T09:44:25Z'), -420)).toBe('17-Jul-1996 02:44:25 -0700');
    expect(formatDateTime(new Date('1996-07-17T23:44:25Z'), 330)).toBe('18-Jul-1996 05:14:25 +0530');
  });
  it.each(['30-Feb-2024', '1-Foo-2024', '1-Feb-24'])('rejects %s', (d) => expect(() => parseDate(d)).toThrow(ParseError));
});

describe('modified UTF-7 mailbox names', () => {
  const cases: [string, string][] = [
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['A&B', 'A&-B'],
    ['日本語', '&ZeVnLIqe-'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ];
  it.each(cases)('%s ⇄ %s', (name, wire) => {
    expect(encodeMailboxName(name)).toBe(wire);
    expect(decodeMailboxName(wire)).toBe(name);
  });
  it.each(['&Jjo', '&AB!-', '&A-'])('rejects %s', (w) => expect(() => decodeMailboxName(w)).toThrow());
});

describe('response encoding', () => {
  const cases: [unknown[], string][] = [
    [[1, atom('EXISTS')], '* 1 EXISTS\r\n'],
    [[null], '* NIL\r\n'],
    [['plain text'], '* "plain text"\r\n'],
    [['quote " and \\'], '* "quote \\" and \\\\"\r\n'],
    [['line\r\nbreak'], '* {11}\r\nline\r\nbreak\r\n'],
    [['Grüße'], '* {7}\r\nGrüße\r\n'],
    [[Buffer.from('abc')], '* {3}\r\nabc\r\n'],
    [[atom('LIST'), [atom('\\HasNoChildren')], '/', 'INBOX'], '* LIST (\\HasNoChildren) "/" "INBOX"\r\n'],
    [[3, atom('FETCH'), [atom('UID'), 7, atom('FLAGS'), []]], '* 3 FETCH (UID 7 FLAGS ())\r\n'],
    [[12345678901234], '* 12345678901234\r\n'],
  ];
  it.each(cases)('%j', (values, wire) => expect(toBytes(untagged(...(values as never[]))).toString()).toBe(wire));
  it('status lines carry codes and never CR/LF from text', () => {
    expect(toBytes(statusLine('a1', 'NO', 'TRYCREATE', 'no\r\nsuch')).toString()).toBe('a1 NO [TRYCREATE] no such\r\n');
  });
  it('long strings become literals', () => {
    expect(new WireBuilder().string('x'.repeat(2000)).done()[0].toString()).toBe('{2000}\r\n');
  });
  it('envelope and bodystructure', () => {
    const env = { date: 'Mon, 1 Jan 2024 00:00:00 +0000', subject: 'Hi', from: [{ name: 'A', adl: null, mailbox: 'a', host: 'x.org' }], sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: '<1@x>' };
    expect(toBytes(untagged(envelopeValue(env))).toString()).toBe(
      '* ("Mon, 1 Jan 2024 00:00:00 +0000" "Hi" (("A" NIL "a" "x.org")) (("A" NIL "a" "x.org")) (("A" NIL "a" "x.org")) NIL NIL NIL NIL "<1@x>")\r\n',
    );
    const text = { kind: 'single' as const, type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'utf-8']] as [string, string][], id: null, description: null, encoding: '7BIT', size: 10, lines: 1, md5: null, disposition: null, language: null, location: null };
    const multi = { kind: 'multipart' as const, subtype: 'MIXED', parts: [text], params: [['BOUNDARY', 'b']] as [string, string][], disposition: null, language: null, location: null };
    expect(toBytes(untagged(bodyStructureValue(multi, true))).toString()).toBe('* (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)\r\n');
    expect(toBytes(untagged(bodyStructureValue(multi, false))).toString()).toBe('* (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 1) "MIXED")\r\n');
  });
});
