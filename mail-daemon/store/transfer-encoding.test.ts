// RFC 2045 6 decoding for BINARY (RFC 3516), and which encoding a part path names: tables.
import { describe, expect, it } from 'vitest';
import { indexMessage } from '@/lib/mime';
import { decodeQuotedPrintable, decodeTransfer, partEncoding } from './transfer-encoding';

describe('RFC 2045 6.7 quoted-printable', () => {
  it.each([
    ['=XX octets, either case', 'caf=C3=a9', Buffer.from('café')],
    ['soft line break', 'long=\r\nline', Buffer.from('longline')],
    ['soft line break before a bare LF', 'long=\nline', Buffer.from('longline')],
    ['hard line breaks become CRLF', 'a\nb\r\nc', Buffer.from('a\r\nb\r\nc')],
    ['transport padding at a line end is dropped', 'a  \t\r\nb \t', Buffer.from('a\r\nb')],
    ['an "=" before no two hex digits stays as it is', '=G1 =4 a=', Buffer.from('=G1 =4 a')],
    ['=00 is a NUL octet', 'x=00y', Buffer.from([0x78, 0, 0x79])],
  ])('%s', (_what, input, want) => {
    expect(decodeQuotedPrintable(Buffer.from(input, 'latin1')).equals(want)).toBe(true);
  });
});

describe('RFC 2045 6.8 base64 and the identity encodings', () => {
  it.each([
    ['BASE64', 'AAEC/wAK\r\nDUE=\r\n', Buffer.from([0, 1, 2, 0xff, 0, 0x0a, 0x0d, 0x41])],
    ['BASE64', 'aGVs bG8=', Buffer.from('hello')],
    ['7BIT', 'as is\r\n', Buffer.from('as is\r\n')],
    ['8BIT', 'caf\xe9', Buffer.from('caf\xe9', 'latin1')],
    ['BINARY', '\0\r', Buffer.from([0, 0x0d])],
  ])('%s %j', (encoding, input, want) => {
    expect(decodeTransfer(Buffer.from(input, 'latin1'), encoding)!.equals(want)).toBe(true);
  });

  it.each(['X-UUENCODE', 'UUENCODE', ''])('%j is unknown: null', (encoding) => {
    expect(decodeTransfer(Buffer.from('x'), encoding)).toBeNull();
  });
});

describe('partEncoding: the part numbers of BODY[section]', () => {
  const multipart = indexMessage(
    Buffer.from(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAA==\r\n' +
        '--b\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx\r\n--c--\r\n' +
        '--b--\r\n',
    ),
  ).bodyStructure;
  const single = indexMessage(Buffer.from('Content-Transfer-Encoding: Quoted-Printable\r\n\r\nx\r\n')).bodyStructure;
  it.each([
    ['the whole message', multipart, [], '7BIT'],
    ['a leaf', multipart, [1], 'BASE64'],
    ['a message/rfc822 part', multipart, [2], '7BIT'],
    ['inside the encapsulated message', multipart, [2, 1], 'QUOTED-PRINTABLE'],
    ['a part that is not there', multipart, [3], null],
    ['below a leaf', multipart, [1, 1], null],
    ['part 1 of a single-part message is its body', single, [1], 'QUOTED-PRINTABLE'],
    ['part 2 of a single-part message', single, [2], null],
  ] as const)('%s', (_what, bs, path, want) => {
    expect(partEncoding(bs, path)).toBe(want);
  });
});
