import { describe, expect, it } from 'vitest';
import { parseHeader } from '@/lib/mime';
import { analyzeHeaders, extractReceivedHeaders, headerFields, normalizeTlsVersion, parseHops, parseReceived, parseReceivedDate } from '.';
import { RECEIVED_FIXTURES } from './received.fixtures';

describe('Received fixtures (real formats, cited)', () => {
  it('has at least 60 cases, each citing a source', () => {
    expect(RECEIVED_FIXTURES.length).toBeGreaterThanOrEqual(60);
    for (const f of RECEIVED_FIXTURES) expect(f.source.length).toBeGreaterThan(10);
  });

  for (const f of RECEIVED_FIXTURES) {
    it(f.name, () => {
      const hops = parseHops(`${f.header}\r\nSubject: x\r\n\r\nbody\r\n`);
      expect(hops).toHaveLength(1);
      const hop = hops[0];
      const { clientCert, ...expected } = f.expect;
      for (const [key, value] of Object.entries(expected)) {
        expect({ key, value: hop[key as keyof typeof hop] }).toEqual({ key, value });
      }
      if (clientCert !== undefined) {
        if (clientCert === null) expect(hop.clientCert).toBeNull();
        else expect(hop.clientCert).toMatchObject(clientCert);
      }
    });
  }
});

describe('analyzeHeaders JSON', () => {
  it('has exactly the documented shape and keeps header order (topmost first)', () => {
    const doc = analyzeHeaders(
      [
        'Received: from b.example (b.example [192.0.2.2]) by c.example with ESMTPS id 2; Mon, 6 Jan 2025 08:00:02 +0000',
        'Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 1; Mon, 6 Jan 2025 08:00:01 +0000',
        'Subject: hello',
        '',
        'Received: from body.example by nowhere with ESMTP; Mon, 6 Jan 2025 08:00:00 +0000',
      ].join('\n'),
    );
    expect(doc.hops.map((h) => h.id)).toEqual(['2', '1']);
    expect(Object.keys(doc)).toEqual(['hops']);
    expect(Object.keys(doc.hops[0]).sort()).toEqual(['by', 'date', 'for', 'from', 'id', 'protocol', 'tls']);
    expect(Object.keys(doc.hops[0].from).sort()).toEqual(['helo', 'ip', 'name']);
    expect(Object.keys(doc.hops[0].tls).sort()).toEqual(['bits', 'cipher', 'used', 'version']);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('reads pasted headers without a body, LF or CRLF, case-insensitive field names', () => {
    const crlf = 'RECEIVED: from x (x [192.0.2.9]) by y with esmtp id 1; Mon, 6 Jan 2025 08:00:00 +0000\r\n';
    expect(analyzeHeaders(crlf).hops[0].protocol).toBe('ESMTP');
    expect(analyzeHeaders('\n\n' + crlf.replace('\r\n', '\n')).hops).toHaveLength(1);
    expect(analyzeHeaders('').hops).toEqual([]);
    expect(analyzeHeaders('   ' + crlf).hops).toHaveLength(1);
  });

  it('gives an empty list for a message with no Received header', () => {
    expect(analyzeHeaders('From: a@b\nSubject: s\n\nbody').hops).toEqual([]);
  });
});

describe('header fields (lib/mime parseHeader)', () => {
  const message = [
    'Received: from a.example (a.example [192.0.2.1])',
    '\tby b.example with ESMTPS id 1; Mon, 6 Jan 2025 08:00:01 +0000',
    'Subject: caf\u00e9',
    'X-Broken line without a colon',
    'received : by c.example with SMTP id 2; Mon, 6 Jan 2025 08:00:02 +0000',
    '',
    'Received: from body.example by nowhere with ESMTP; Mon, 6 Jan 2025 08:00:00 +0000',
    '',
  ].join('\r\n');

  it.each([
    ['Received: x\r\n\ty\r\n z\r\n\r\n', [['Received', ' x\n\ty\n z']]],
    ['Received: x\n y\n\nReceived: body', [['Received', ' x\n y']]],
    ['\r\n\r\nReceived: x', [['Received', ' x']]], // blank lines before the first field
    ['   Received: x\r\n', [['Received', ' x']]], // pasted text indented as a whole
    ['Received x\r\nReceived\t: y\r\n', [['Received', ' y']]],
    ['Received: a\r\nno colon here\r\n folded: b\r\n', [['Received', ' a']]], // the fold belongs to its own line (RFC 5322 section 2.2.3)
    ['', []],
  ])('%j → %j', (input, want) => {
    expect(headerFields(input)).toEqual(want);
    expect(headerFields(Buffer.from(input, 'latin1'))).toEqual(want);
  });

  it('reads stored bytes as latin1 and pasted text as given', () => {
    expect(headerFields(Buffer.from(message, 'utf8'))[1]).toEqual(['Subject', ' caf\u00c3\u00a9']);
    expect(headerFields(message)[1]).toEqual(['Subject', ' caf\u00e9']);
  });

  it('takes a header already parsed by lib/mime: the same hops as from the bytes', () => {
    const raw = Buffer.from(message, 'latin1');
    const fields = parseHeader(raw, 0, raw.length);
    expect(extractReceivedHeaders({ raw, fields, encoding: 'latin1' })).toHaveLength(2);
    expect(parseHops({ raw, fields, encoding: 'latin1' })).toEqual(parseHops(raw));
    expect(parseHops(raw).map((h) => h.id)).toEqual(['1', '2']);
  });
});

describe('limits and robustness', () => {
  it('never throws on hostile input and bounds its work', () => {
    const samples = [
      '(((((((((((',
      ')))))))]]]>>>',
      '"unterminated',
      'from [unterminated',
      'from <<<<<< by >>>>>',
      ';;;;;;;;',
      'with with with with',
      'from x by y with ' + 'A '.repeat(50_000),
      '(' .repeat(100_000),
      'from ' + 'x'.repeat(200_000),
    ];
    for (const s of samples) {
      const t0 = performance.now();
      const hop = parseReceived(s);
      expect(performance.now() - t0).toBeLessThan(500);
      expect(hop.raw.length).toBeLessThanOrEqual(16 * 1024);
    }
  });

  it('reads a value spelt like a clause word as the value ("from tls by …")', () => {
    const h = parseReceived('from tls by mx.example with ESMTP id 1; Mon, 6 Jan 2025 08:00:00 +0000');
    expect([h.from.helo, h.by, h.protocol, h.tls.used]).toEqual(['tls', 'mx.example', 'ESMTP', false]);
  });

  it('stops at 500 Received fields', () => {
    const many = Array.from({ length: 800 }, (_, i) => `Received: by h${i} with SMTP id ${i}; Mon, 6 Jan 2025 08:00:00 +0000`).join('\n');
    expect(extractReceivedHeaders(many)).toHaveLength(500);
  });
});

describe('normalizeTlsVersion', () => {
  it.each([
    ['TLSv1', 'TLSv1.0'],
    ['TLS1', 'TLSv1.0'],
    ['TLS1_0', 'TLSv1.0'],
    ['TLS-1.0', 'TLSv1.0'],
    ['TLSv1.1', 'TLSv1.1'],
    ['TLS1_1', 'TLSv1.1'],
    ['TLS1.2', 'TLSv1.2'],
    ['TLS1_2', 'TLSv1.2'],
    ['tlsv1.3', 'TLSv1.3'],
    ['TLS 1.3', 'TLSv1.3'],
    ['SSLv3', 'SSLv3'],
    ['SSL3.0', 'SSLv3'],
    ['TLSv1/SSLv3', null],
    ['SSLv2', null],
    ['TLS', null],
    ['TLSv1.4', null],
    ['', null],
  ])('%s → %s', (raw, want) => {
    expect(normalizeTlsVersion(raw)).toBe(want);
  });
});

describe('parseReceivedDate', () => {
  it.each([
    ['Mon, 6 Jan 2025 08:00:00 +0000', '2025-01-06T08:00:00.000Z'],
    ['6 Jan 2025 08:00:00 -0500', '2025-01-06T13:00:00.000Z'],
    ['Tue, 29 Dec 2020 07:09:39 -0800 (PST)', '2020-12-29T15:09:39.000Z'],
    ['Mon, 21 Nov 2022 21:41:05 GMT', '2022-11-21T21:41:05.000Z'],
    ['Thu, 5 Nov 98 10:11:12 EST', '1998-11-05T15:11:12.000Z'],
    ['31 Feb 2025 10:00:00 +0000', null],
    ['yesterday', null],
  ])('%s', (text, want) => {
    expect(parseReceivedDate(text)).toBe(want);
  });
});
