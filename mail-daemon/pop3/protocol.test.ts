// The POP3 wire helpers as tables: input → what comes out, however the input is cut.
import { describe, expect, it } from 'vitest';
import { decodeBase64, LineReader, messageNumber, multiline, parseCommand, parsePlain, stuffed, topOf } from './protocol';

describe('RFC 1939 §3 lines: LineReader', () => {
  const cases: [name: string, input: string, max: number, out: (string | 'too long')[]][] = [
    ['CRLF', 'STAT\r\nLIST 1\r\n', 100, ['STAT', 'LIST 1']],
    ['bare LF', 'STAT\nNOOP\n', 100, ['STAT', 'NOOP']],
    ['empty line', '\r\n', 100, ['']],
    ['no end yet', 'STA', 100, []],
    ['exactly the limit, CRLF included', 'ABCD\r\n', 6, ['ABCD']],
    ['one over the limit, then a clean line', 'ABCDE\r\nNOOP\r\n', 6, ['too long', 'NOOP']],
    ['over the limit before its end arrives', 'ABCDEFGHIJ', 6, ['too long']],
  ];
  for (const [name, input, max, out] of cases) {
    it(`${name}: whole, and cut at every byte`, () => {
      const show = (events: ReturnType<LineReader['push']>) => events.map((e) => ('line' in e ? e.line : 'too long'));
      expect(show(new LineReader(max).push(Buffer.from(input)))).toEqual(out);
      for (let cut = 1; cut < input.length; cut++) {
        const r = new LineReader(max);
        expect(show([...r.push(Buffer.from(input.slice(0, cut))), ...r.push(Buffer.from(input.slice(cut)))]), `cut at ${cut}`).toEqual(out);
      }
    });
  }

  it('clear() forgets a line begun', () => {
    const r = new LineReader(100);
    r.push(Buffer.from('CAP'));
    r.clear();
    expect(r.push(Buffer.from('A\r\n'))).toEqual([{ line: 'A' }]);
  });
});

describe('RFC 1939 §3 byte-stuffing and the terminating line', () => {
  const cases: [input: string, wire: string][] = [
    ['a\r\nb\r\n', 'a\r\nb\r\n.\r\n'],
    ['.a\r\n', '..a\r\n.\r\n'],
    ['a\r\n.\r\nb\r\n', 'a\r\n..\r\nb\r\n.\r\n'],
    ['a\r\n..b\r\n', 'a\r\n...b\r\n.\r\n'],
    ['no final line end', 'no final line end\r\n.\r\n'],
    ['', '.\r\n'],
  ];
  for (const [input, wire] of cases) {
    it(JSON.stringify(input), () => expect(stuffed(Buffer.from(input)).toString()).toBe(wire));
  }
  it('short text lines too (CAPA, LIST, UIDL)', () => {
    expect(multiline(Buffer.from('+OK\r\n'), ['TOP', '.x']).toString()).toBe('+OK\r\nTOP\r\n..x\r\n.\r\n');
  });
});

describe('RFC 1939 §7 TOP', () => {
  const raw = Buffer.from('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3');
  const cases: [lines: number, out: string][] = [
    [0, 'A: 1\r\nB: 2\r\n\r\n'],
    [1, 'A: 1\r\nB: 2\r\n\r\nl1\r\n'],
    [3, 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3'],
    [10, 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3'],
  ];
  for (const [lines, out] of cases) it(`TOP n ${lines}`, () => expect(topOf(raw, lines).toString()).toBe(out));
  it('a message without a body is all header', () => expect(topOf(Buffer.from('A: 1\r\n'), 0).toString()).toBe('A: 1\r\n'));
});

describe('arguments', () => {
  it('keywords any case, arguments as given', () => {
    expect(parseCommand('retr 1')).toEqual({ keyword: 'RETR', args: ['1'] });
    expect(parseCommand('PASS two  spaces')).toEqual({ keyword: 'PASS', args: ['two', '', 'spaces'] });
  });
  const numbers: [string | undefined, number | null][] = [['1', 1], ['007', 7], ['0', 0], ['-1', null], ['1a', null], ['', null], [undefined, null], ['1234567890', null]];
  for (const [arg, n] of numbers) it(`message number ${JSON.stringify(arg)}`, () => expect(messageNumber(arg)).toBe(n));
});

describe('RFC 4616 SASL PLAIN, RFC 4648 base64', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cases: [name: string, response: string, out: ReturnType<typeof parsePlain>][] = [
    ['no authzid', b64('\0user\0pass'), { authzid: '', authcid: 'user', password: 'pass' }],
    ['with authzid', b64('admin\0user\0pa ss'), { authzid: 'admin', authcid: 'user', password: 'pa ss' }],
    ['UTF-8 password', b64('\0user\0pässwörd'), { authzid: '', authcid: 'user', password: 'pässwörd' }],
    ['no authcid', b64('\0\0pass'), null],
    ['two parts', b64('user\0pass'), null],
    ['four parts', b64('a\0b\0c\0d'), null],
  ];
  for (const [name, response, out] of cases) it(name, () => expect(parsePlain(decodeBase64(response)!)).toEqual(out));
  for (const bad of ['abc', 'ab!=', 'a===', '====x']) it(`not base64: ${bad}`, () => expect(decodeBase64(bad)).toBeNull());
});
