import { describe, expect, it } from 'vitest';
import { withoutReturnPath } from './return-path';

// RFC 5321 §4.4: no Return-Path leaves with the message; everything else is byte for byte.
describe('RFC 5321 §4.4 Return-Path is not sent on', () => {
  const cases: [string, string, string][] = [
    ['ours, first', 'Return-Path: <a@x.example>\r\nReceived: by us\r\nSubject: s\r\n\r\nbody\r\n', 'Received: by us\r\nSubject: s\r\n\r\nbody\r\n'],
    ['a client\'s, folded, further down', 'Received: by us\r\nReturn-Path:\r\n <b@y.example>\r\nSubject: s\r\n\r\nbody\r\n', 'Received: by us\r\nSubject: s\r\n\r\nbody\r\n'],
    ['any case', 'return-PATH : <>\r\nSubject: s\r\n\r\nb\r\n', 'Subject: s\r\n\r\nb\r\n'],
    ['none: unchanged', 'Subject: s\r\nX-Return-Path: kept\r\n\r\nReturn-Path: in the body stays\r\n', 'Subject: s\r\nX-Return-Path: kept\r\n\r\nReturn-Path: in the body stays\r\n'],
    ['a header section without a body', 'Return-Path: <a@x.example>\r\nSubject: s\r\n', 'Subject: s\r\n'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(withoutReturnPath(Buffer.from(input)).toString()).toBe(expected);
  });
});
