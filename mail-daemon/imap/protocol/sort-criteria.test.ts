// Parser and response tables for SORT and THREAD (RFC 5256 5, RFC 5957 4) and the RETURN
// options of RFC 4731 / RFC 5267: raw command arguments → typed, typed → wire bytes.
import { describe, expect, it } from 'vitest';
import type { ThreadNode } from '../backend';
import { ParseError, Reader } from './reader';
import { BadCharsetError } from './search';
import { readReturnOptions } from './search-return';
import { readSort, readThread } from './sort-criteria';
import { contextResponse, esortResponse, orderedSet, sortResponse, threadResponse } from './sort-response';

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();

describe('RFC 5256 5 sort-criteria and RFC 5267 extended-sort', () => {
  it.each<[string, object]>([
    ['(SUBJECT) UTF-8 ALL', { returns: undefined, criteria: [{ key: 'subject', reverse: false }], key: { op: 'all' } }],
    ['(REVERSE DATE from) us-ascii SEEN', { criteria: [{ key: 'date', reverse: true }, { key: 'from', reverse: false }], key: { op: 'flag', flag: '\\Seen', set: true } }],
    ['(ARRIVAL CC SIZE TO DISPLAYFROM REVERSE DISPLAYTO) "UTF-8" ALL', {
      criteria: [
        { key: 'arrival', reverse: false }, { key: 'cc', reverse: false }, { key: 'size', reverse: false }, { key: 'to', reverse: false },
        { key: 'displayfrom', reverse: false }, { key: 'displayto', reverse: true },
      ],
    }],
    ['RETURN (MIN COUNT) (DATE) UTF-8 ALL', { returns: { results: ['MIN', 'COUNT'], update: false } }],
    ['RETURN () (DATE) UTF-8 ALL', { returns: { results: ['ALL'], update: false } }],
    ['RETURN (UPDATE PARTIAL 10:1) (DATE) UTF-8 ALL', { returns: { results: [], update: true, partial: { first: 1, last: 10 } } }],
  ])('%s', (raw, want) => expect(readSort(Reader.fromText(raw))).toMatchObject(want));

  it.each<[string, typeof ParseError]>([
    ['() UTF-8 ALL', ParseError],
    ['(REVERSE) UTF-8 ALL', ParseError],
    ['(REVERSE REVERSE DATE) UTF-8 ALL', ParseError],
    ['(SUBJECT SIZE', ParseError],
    ['(SUBJECT) UTF-8', ParseError],
    ['(SUBJECT) KOI8-R ALL', BadCharsetError],
    ['RETURN (FOO) (DATE) UTF-8 ALL', ParseError],
    ['RETURN (ALL PARTIAL 1:5) (DATE) UTF-8 ALL', ParseError],
    ['RETURN (PARTIAL 1:5 PARTIAL 6:9) (DATE) UTF-8 ALL', ParseError],
  ])('%s is refused', (raw, error) => expect(() => readSort(Reader.fromText(raw))).toThrow(error));
});

describe('RFC 5256 5 thread', () => {
  it.each<[string, object]>([
    ['REFERENCES UTF-8 ALL', { algorithm: 'references', key: { op: 'all' } }],
    ['orderedsubject US-ASCII UNSEEN', { algorithm: 'orderedsubject' }],
  ])('%s', (raw, want) => expect(readThread(Reader.fromText(raw))).toMatchObject(want));

  it.each(['THREADBYDATE UTF-8 ALL', 'REFERENCES', 'REFERENCES UTF-8'])('%s is refused', (raw) => expect(() => readThread(Reader.fromText(raw))).toThrow(ParseError));
});

describe('RFC 5267 RETURN options of SEARCH', () => {
  it.each<[string, object | undefined]>([
    ['ALL', undefined],
    ['RETURN (CONTEXT) ALL', { results: ['ALL'], update: false }],
    ['RETURN (COUNT UPDATE) ALL', { results: ['COUNT'], update: true }],
    ['RETURN (PARTIAL 1:500) ALL', { results: [], partial: { first: 1, last: 500 } }],
  ])('%s', (raw, want) => expect(readReturnOptions(Reader.fromText(raw))).toEqual(want === undefined ? undefined : expect.objectContaining(want)));
});

const leaf = (uid: number, ...children: ThreadNode[]): ThreadNode => ({ uid, children });

describe('responses', () => {
  it.each<[string, Buffer[], string]>([
    ['SORT', sortResponse([2, 84, 882]), '* SORT 2 84 882\r\n'],
    ['empty SORT', sortResponse([]), '* SORT\r\n'],
    ['RFC 5256 7.2 THREAD example', threadResponse([leaf(2), leaf(3, leaf(6, leaf(4, leaf(23)), leaf(44, leaf(7, leaf(96)))))], (u) => u), '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n'],
    ['RFC 5256 7.2 placeholder example', threadResponse([{ uid: null, children: [leaf(3), leaf(5)] }], (u) => u), '* THREAD ((3)(5))\r\n'],
    ['empty THREAD', threadResponse([], (u) => u), '* THREAD\r\n'],
    ['THREAD numbered by the session', threadResponse([leaf(10, leaf(20))], (u) => u / 10), '* THREAD (1 2)\r\n'],
    ['RFC 5267 3.3 ESORT ALL, no descending ranges', esortResponse('E01', true, [23765, 23764, 23763, 23761], { results: ['ALL'], update: false }), '* ESEARCH (TAG "E01") UID ALL 23765,23764,23763,23761\r\n'],
    ['ESORT MIN MAX COUNT in sort order', esortResponse('a', false, [5, 1, 3], { results: ['MIN', 'MAX', 'COUNT'], update: false }), '* ESEARCH (TAG "a") MIN 5 MAX 3 COUNT 3\r\n'],
    ['RFC 5267 4.4 PARTIAL beyond the end', esortResponse('A04', true, [1, 2], { results: [], partial: { first: 24000, last: 24500 }, update: false }), '* ESEARCH (TAG "A04") UID PARTIAL (24000:24500 NIL)\r\n'],
    ['RFC 5267 4.3.3 ADDTO', contextResponse('C01', true, { removed: [], added: [[1, [2731, 2732, 2733]]] }, (u) => u), '* ESEARCH (TAG "C01") UID ADDTO (1 2731:2733)\r\n'],
    ['RFC 5267 4.3.4 REMOVEFROM at position 0', contextResponse('B01', true, { removed: [[0, [32768]]], added: [] }, (u) => u), '* ESEARCH (TAG "B01") UID REMOVEFROM (0 32768)\r\n'],
  ])('%s', (_what, chunks, want) => expect(text(chunks)).toBe(want));

  it.each<[number[], string]>([
    [[1, 2, 3, 5], '1:3,5'],
    [[3, 2, 1], '3,2,1'],
    [[4, 5, 1, 2], '4:5,1:2'],
  ])('ordered set %j → %s', (numbers, want) => expect(orderedSet(numbers)).toBe(want));
});
