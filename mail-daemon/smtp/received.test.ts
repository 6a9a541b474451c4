import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMessage } from './data';
import { cipherBits, protocolKeyword, receivedHeader, returnPathHeader, rfc5322Date } from './received';

const date = new Date(Date.UTC(2026, 10, 24, 0, 21, 13));

describe('Received header (RFC 5321 §4.4, RFC 3848, RFC 8314 §4.3)', () => {
  it('TLS, one recipient: Postfix-style comment, for, tls clause, date', () => {
    expect(
      receivedHeader({
        helo: 'mail.sender.test', reverseName: 'mail.sender.test', ip: '192.0.2.7', hostname: 'mx.postern.test', protocol: 'ESMTPS',
        queueId: 'Q1', recipients: ['alice@example.test'], date,
        tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', bits: 256, algBits: 256 },
      }),
    ).toBe(
      'Received: from mail.sender.test (mail.sender.test [192.0.2.7])\r\n' +
        '\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n' +
        '\tby mx.postern.test (Postern) with ESMTPS id Q1\r\n' +
        '\tfor <alice@example.test> tls TLS_AES_256_GCM_SHA384; Tue, 24 Nov 2026 00:21:13 +0000\r\n',
    );
  });

  it('TLS 1.2: OpenSSL name in the comment, IANA name in the tls clause', () => {
    const h = receivedHeader({
      helo: '[192.0.2.7]', reverseName: null, ip: '192.0.2.7', hostname: 'mx.postern.test', protocol: 'ESMTPSA', queueId: 'Q2', recipients: ['a@x.test', 'b@x.test'], date,
      tls: { version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', bits: 128, algBits: 128 },
    });
    expect(h).toBe(
      'Received: from [192.0.2.7] (unknown [192.0.2.7])\r\n' +
        '\t(using TLSv1.2 with cipher ECDHE-ECDSA-AES128-GCM-SHA256 (128/128 bits))\r\n' +
        '\tby mx.postern.test (Postern) with ESMTPSA id Q2\r\n' +
        '\ttls TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; Tue, 24 Nov 2026 00:21:13 +0000\r\n',
    );
  });

  it('cleartext: no comment and no tls clause; client text cannot break the header', () => {
    const h = receivedHeader({ helo: 'evil)\r\nX-Injected: 1', reverseName: null, ip: '192.0.2.7', hostname: 'mx.postern.test', protocol: 'ESMTP', queueId: 'Q3', recipients: ['a@x.test'], date, tls: null });
    expect(h).toBe('Received: from evilX-Injected:1 (unknown [192.0.2.7])\r\n\tby mx.postern.test (Postern) with ESMTP id Q3\r\n\tfor <a@x.test>; Tue, 24 Nov 2026 00:21:13 +0000\r\n');
    expect(returnPathHeader('')).toBe('Return-Path: <>\r\n');
    expect(returnPathHeader('a@x.test')).toBe('Return-Path: <a@x.test>\r\n');
  });

  it.each([
    [{ ehlo: false, tls: true, authenticated: true }, 'SMTP'],
    [{ ehlo: true, tls: false, authenticated: false }, 'ESMTP'],
    [{ ehlo: true, tls: true, authenticated: false }, 'ESMTPS'],
    [{ ehlo: true, tls: false, authenticated: true }, 'ESMTPA'],
    [{ ehlo: true, tls: true, authenticated: true }, 'ESMTPSA'],
  ])('protocol keyword %o → %s', (opts, keyword) => {
    expect(protocolKeyword(opts)).toBe(keyword);
  });

  it('cipher bits and dates', () => {
    expect(cipherBits('TLS_CHACHA20_POLY1305_SHA256')).toBe(256);
    expect(cipherBits('TLS_AES_128_GCM_SHA256')).toBe(128);
    expect(cipherBits('ECDHE-RSA-AES256-GCM-SHA384')).toBe(256);
    expect(rfc5322Date(new Date(Date.UTC(2026, 0, 5, 9, 8, 7)))).toBe('Mon, 5 Jan 2026 09:08:07 +0000');
  });
});

describe('DATA reader: bare CR / LF and size', () => {
  const feed = async (chunks: (string | Buffer)[], max = 1000) => {
    const s = new PassThrough();
    const p = readMessage(s, max);
    for (const c of chunks) s.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    s.end();
    return p;
  };
  it.each([
    ['CRLF only', ['a\r\nb\r\n'], true],
    ['bare LF', ['a\nb\r\n'], false],
    ['bare CR', ['a\rb\r\n'], false],
    ['CR at a chunk end followed by LF', ['a\r', '\nb\r\n'], true],
    ['CR at a chunk end followed by text', ['a\r', 'b\r\n'], false],
    ['LF at a chunk start after CR', ['a\r', '\n'], true],
    ['LF at a chunk start without CR', ['a', '\nb'], false],
    ['message starting with LF', ['\nb\r\n'], false],
  ])('%s', async (_name, chunks, ok) => {
    expect((await feed(chunks)).ok).toBe(ok);
  });
  it('too big', async () => {
    expect(await feed(['x'.repeat(600) + '\r\n', 'y'.repeat(600) + '\r\n'])).toEqual({ ok: false, problem: 'too_big' });
  });
});
