// The keys SORT and THREAD compare, from real header text through the MIME indexer.
import { describe, expect, it } from 'vitest';
import { indexWithHeader } from '@/lib/mime';
import { messageIds, sortKeys, type SortKeys } from './sort-keys';

function keysOf(header: string): SortKeys {
  const { index, header: parsed } = indexWithHeader(Buffer.from(`${header}\r\n\r\nbody\r\n`));
  return sortKeys(index.envelope, parsed.fields);
}

describe('RFC 5256 4: Message IDs, normalized', () => {
  it.each<[string, string[]]>([
    ['<a@x>', ['a@x']],
    ['<a@x> <b@y>', ['a@x', 'b@y']],
    ['<"01KF8JCEOCBS0045PS"@xxx.yyy.com>', ['01KF8JCEOCBS0045PS@xxx.yyy.com']],
    ['<"a\\"b"@x>', ['a"b@x']],
    ['< a@x >', ['a@x']],
    ['<no-at-sign> <a@x>', ['a@x']],
    ['<>', []],
    ['a@x', []],
    ['<a@x> (comment) Fred <fred@x>', ['a@x', 'fred@x']],
  ])('%j → %j', (value, want) => expect(messageIds(value)).toEqual(want));
});

describe('RFC 5256 / RFC 5957 sort keys of one message', () => {
  it.each<[string, string, Partial<SortKeys>]>([
    ['the first From/To/Cc mailbox, casemapped', 'From: Ann <ann@x>, bob@x\r\nTo: Zed <zed@x>\r\nCc: cy@x', { from: 'ANN', to: 'ZED', cc: 'CY' }],
    ['absent fields are the empty string', 'Subject: s', { from: '', to: '', cc: '', displayFrom: '', displayTo: '', subject: 'S' }],
    ['a group is skipped for its first member', 'To: team: dee@x, eve@x;', { to: 'DEE', displayTo: 'DEE@X' }],
    ['RFC 5957: the decoded display name', 'From: =?UTF-8?Q?=C3=A9mile?= <e@x>', { displayFrom: 'E\u0301MILE' }],
    ['RFC 5957: the addr-spec without a display name', 'From: <e@x>', { displayFrom: 'E@X' }],
    ['RFC 5957: a blank display name counts as none', 'From: "  " <e@x>', { displayFrom: 'E@X' }],
    ['the base subject, encoded-words decoded', 'Subject: =?UTF-8?B?UmU6IGjDqWxsbw==?=', { subject: 'HE\u0301LLO', replyOrForward: true }],
    ['References give the parents, oldest first', 'Message-ID: <c@x>\r\nReferences: <a@x>\r\n <b@x>\r\nIn-Reply-To: <z@x>', { messageId: 'c@x', parents: ['a@x', 'b@x'] }],
    ['without References, the first In-Reply-To id', 'In-Reply-To: <b@x> <a@x>', { messageId: null, parents: ['b@x'] }],
    ['References without a valid id fall back to In-Reply-To', 'References: junk\r\nIn-Reply-To: Fred <fred@x> <b@x>', { parents: ['fred@x'] }],
    ['an invalid Message-ID is none', 'Message-ID: nonsense', { messageId: null, parents: [] }],
  ])('%s', (_what, header, want) => expect(keysOf(header)).toMatchObject(want));
});
