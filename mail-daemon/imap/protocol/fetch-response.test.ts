// FETCH and (E)SEARCH responses alone: tables of typed data → bytes on the wire.
import { describe, expect, it } from 'vitest';
import type { FetchResult } from '../backend';
import { toBytes, WireBuilder } from './encode';
import { readFetchSpec, type FetchItem } from './fetch-items';
import { esearchResponse, fetchResponse, flagList, flagsResponse, searchResponse, type EsearchResult, type FlagsResponseOptions } from './fetch-response';
import { Reader } from './reader';

const wire = (chunks: Buffer[]) => toBytes(chunks).toString('utf8');
const items = (spec: string): FetchItem[] => readFetchSpec(new Reader([{ text: spec }]));

describe('flag lists', () => {
  const cases: [string, string[], boolean, string][] = [
    ['system flags in their fixed order', ['\\Seen', '\\Answered'], false, '* X (\\Answered \\Seen)'],
    ['keywords after system flags', ['$Forwarded', '\\Flagged'], false, '* X (\\Flagged $Forwarded)'],
    ['\\Recent last when the view holds it', ['\\Seen'], true, '* X (\\Seen \\Recent)'],
    ['empty', [], false, '* X ()'],
  ];
  it.each(cases)('%s', (_name, flags, recent, expected) => {
    expect(wire(new WireBuilder().raw('* X ').value(flagList(flags, recent)).done())).toBe(expected + '\r\n');
  });
});

describe('flag change responses', () => {
  const m = { uid: 42, flags: ['\\Seen'], modseq: 7 };
  const cases: [string, FlagsResponseOptions, string][] = [
    ['unsolicited change', { uid: true, flags: true, modseq: false, recent: false }, '* 3 FETCH (UID 42 FLAGS (\\Seen))'],
    ['with CONDSTORE', { uid: true, flags: true, modseq: true, recent: false }, '* 3 FETCH (UID 42 FLAGS (\\Seen) MODSEQ (7))'],
    ['STORE', { uid: false, flags: true, modseq: false, recent: true }, '* 3 FETCH (FLAGS (\\Seen \\Recent))'],
    ['STORE .SILENT with UNCHANGEDSINCE (RFC 7162 3.1.3)', { uid: false, flags: false, modseq: true, recent: false }, '* 3 FETCH (MODSEQ (7))'],
  ];
  it.each(cases)('%s', (_name, options, expected) => {
    expect(wire(flagsResponse(3, m, options))).toBe(expected + '\r\n');
  });
});

describe('FETCH responses', () => {
  const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  const body = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
  // [name, requested items, section labels, UID item, CONDSTORE, \Recent, result from the store, wire]
  const cases: [string, string, string[], boolean, boolean, boolean, FetchResult, string][] = [
    ['FLAGS', '(FLAGS)', [], false, false, false, { uid: 5, flags: ['\\Seen'] }, '* 1 FETCH (FLAGS (\\Seen))'],
    ['UID first whatever the order', '(FLAGS UID)', [], true, false, false, { uid: 5, flags: [] }, '* 1 FETCH (UID 5 FLAGS ())'],
    ['FLAGS asked twice is sent once', '(FLAGS FLAGS)', [], false, false, true, { uid: 5, flags: [] }, '* 1 FETCH (FLAGS (\\Recent))'],
    ['size and date', '(RFC822.SIZE INTERNALDATE)', [], false, false, false, { uid: 5, size: 20, internalDate: date }, '* 1 FETCH (RFC822.SIZE 20 INTERNALDATE "02-Jan-2024 03:04:05 +0000")'],
    ['a section as a literal', 'BODY.PEEK[]', ['BODY[]'], false, false, false, { uid: 5, sections: [{ spec: { part: [] }, data: body }] }, `* 1 FETCH (BODY[] {${body.length}}\r\n${body})`],
    ['a missing part is NIL', 'BODY.PEEK[2]', ['BODY[2]'], false, false, false, { uid: 5, sections: [{ spec: { part: [2] }, data: null }] }, '* 1 FETCH (BODY[2] NIL)'],
    [
      'a body read that set \\Seen reports flags unasked, MODSEQ last',
      'BODY[TEXT]<0.4>',
      ['BODY[TEXT]<0>'],
      false,
      true,
      false,
      { uid: 5, flags: ['\\Seen'], modseq: 9, sections: [{ spec: { part: [] }, data: Buffer.from('body') }] },
      '* 1 FETCH (BODY[TEXT]<0> {4}\r\nbody FLAGS (\\Seen) MODSEQ (9))',
    ],
    ['MODSEQ only with CONDSTORE on', '(FLAGS MODSEQ)', [], false, false, false, { uid: 5, flags: [], modseq: 9 }, '* 1 FETCH (FLAGS ())'],
    ['items the store did not return are left out', '(ENVELOPE BODYSTRUCTURE)', [], false, false, false, { uid: 5 }, '* 1 FETCH ()'],
  ];
  it.each(cases)('%s', (_name, spec, labels, uid, condstore, recent, msg, expected) => {
    const out = fetchResponse(1, msg, { items: items(spec), sectionLabels: labels, uid, condstore }, recent);
    expect(wire(out)).toBe(expected + '\r\n');
  });

  it('keeps literals as their own chunks (never copied)', () => {
    const out = fetchResponse(1, { uid: 5, sections: [{ spec: { part: [] }, data: body }] }, { items: items('BODY.PEEK[]'), sectionLabels: ['BODY[]'], uid: false, condstore: false }, false);
    expect(out.some((c) => c === body)).toBe(true);
  });
});

describe('SEARCH and ESEARCH responses', () => {
  const search: [string, number[], number | null, string][] = [
    ['numbers', [1, 4, 5], null, '* SEARCH 1 4 5'],
    ['nothing', [], null, '* SEARCH'],
    ['MODSEQ when the criteria used it (RFC 7162 3.1.5)', [2], 17, '* SEARCH 2 (MODSEQ 17)'],
    ['no MODSEQ for no match', [], 17, '* SEARCH'],
  ];
  it.each(search)('SEARCH: %s', (_name, numbers, modseq, expected) => {
    expect(wire(searchResponse(numbers, modseq))).toBe(expected + '\r\n');
  });

  const esearch: [string, EsearchResult, string][] = [
    ['all of it', { tag: 'a1', uid: true, numbers: [1, 2, 3, 7], returns: ['MIN', 'MAX', 'COUNT', 'ALL'], modseq: null }, '* ESEARCH (TAG "a1") UID MIN 1 MAX 7 COUNT 4 ALL 1:3,7'],
    ['COUNT of nothing; no MIN/MAX/ALL (RFC 4731 3.1)', { tag: 't', uid: false, numbers: [], returns: ['MIN', 'MAX', 'COUNT', 'ALL'], modseq: 5 }, '* ESEARCH (TAG "t") COUNT 0'],
    ['sequence numbers, MODSEQ', { tag: 't', uid: false, numbers: [2, 3], returns: ['COUNT'], modseq: 5 }, '* ESEARCH (TAG "t") COUNT 2 MODSEQ 5'],
  ];
  it.each(esearch)('ESEARCH: %s', (_name, r, expected) => {
    expect(wire(esearchResponse(r))).toBe(expected + '\r\n');
  });
});
