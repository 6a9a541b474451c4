// BODY search decoding as the bytes stream (RFC 3501 6.4.4 over RFC 2045 6.7/6.8 and charsets):
// each message is scanned with its stored bytes handed over in pieces of 1 to 64 bytes, so every
// quoted-printable escape, soft line break, base64 unit and UTF-8 sequence is cut somewhere. The
// body match text stored at delivery (bodyMatchText) holds the same needles as the scan finds.
import { describe, expect, it } from 'vitest';
import { indexMessage, normalizeCrlf } from '@/lib/mime';
import { bodyMatchText, fold, scanBody, type StoredBytes } from './body-scan';

function inPieces(raw: Buffer, size: number): StoredBytes {
  return {
    read: async (start, end) => raw.subarray(start, end),
    async *pieces(start, end) {
      for (let o = start; o < end; o += size) yield raw.subarray(o, Math.min(end, o + size));
    },
  };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64').replace(/.{20}/g, '$&\r\n');

const CASES: [name: string, message: Buffer, found: string[], missing: string[]][] = [
  [
    'quoted-printable: escapes and soft line breaks',
    Buffer.from('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 au la=\r\nit, =3D sign\r\n'),
    ['café au lait', '= sign'],
    ['la it', '=c3'],
  ],
  [
    'base64 across units and line breaks',
    Buffer.from(`Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64('Grüße aus Köln, von der Domplatte!')}\r\n`),
    ['grüße aus köln', 'domplatte!'],
    ['grüße köln'],
  ],
  [
    'an 8-bit ISO-8859-1 body',
    Buffer.concat([Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\n\r\nd'), Buffer.from([0xe9]), Buffer.from('j\xe0 vu\r\n', 'latin1')]),
    ['déjà vu'],
    ['deja vu'],
  ],
  [
    'white space folded across pieces, case ignored',
    Buffer.from('Subject: x\r\n\r\nHello \r\n\t   WORLD\r\n'),
    ['hello world', ''],
    ['helloworld'],
  ],
  [
    'multipart: text parts searched, an attachment not',
    Buffer.from(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>inside html</p>\r\n' +
        '--b\r\nContent-Type: application/octet-stream\r\n\r\nsecret attachment text\r\n--b--\r\n',
    ),
    ['inside html'],
    ['secret attachment'],
  ],
];

describe('scanBody: needles found whatever the piece boundaries', () => {
  for (const [name, message, found, missing] of CASES) {
    it(name, async () => {
      const raw = normalizeCrlf(message);
      const index = indexMessage(raw);
      const needles = [...found, ...missing].map(fold);
      for (const size of [1, 2, 3, 5, 7, 64]) {
        const got = await scanBody(inPieces(raw, size), index, needles);
        expect([...got].sort(), `pieces of ${size}`).toEqual(found.map(fold).sort());
      }
    });
  }
});

describe('bodyMatchText: what the scan finds, in one stored text', () => {
  for (const [name, message, found, missing] of CASES) {
    it(name, () => {
      const raw = normalizeCrlf(message);
      const text = bodyMatchText(raw, indexMessage(raw))!;
      expect(found.filter((n) => !text.includes(fold(n)))).toEqual([]);
      expect(missing.filter((n) => text.includes(fold(n)))).toEqual([]);
    });
  }
});

describe('fold', () => {
  const CASES: [string, string][] = [
    ['Plain Words', 'plain words'],
    ['a  b\t\tc', 'a b c'],
    ['line\r\nnext\r\n', 'line next '],
    ['\t lead and trail \n', ' lead and trail '],
    ['no\u00a0break\u2003em', 'no break em'],
    ['single\ttab', 'single tab'],
  ];
  it.each(CASES)('%j folds to %j', (input, folded) => {
    expect(fold(input)).toBe(folded);
  });
});
