// RFC 5092 IMAP URLs as CATENATE's URL parts use them (RFC 4469 5): raw → typed.
import { describe, expect, it } from 'vitest';
import { parseMessageUrl } from './imap-url';

describe('parseMessageUrl', () => {
  it.each([
    ['/Drafts;UIDVALIDITY=385759045/;UID=20/;SECTION=HEADER', { mailbox: 'Drafts', uidValidity: 385759045, uid: 20, section: { part: [], text: 'HEADER' } }],
    ['/INBOX/;UID=3', { mailbox: 'INBOX', uid: 3, section: { part: [] } }],
    ['/INBOX;UID=3', { mailbox: 'INBOX', uid: 3, section: { part: [] } }],
    ['/a%2Fb/Entw%C3%BCrfe;UIDVALIDITY=1/;UID=2/;SECTION=1.2.MIME', { mailbox: 'a/b/Entwürfe', uidValidity: 1, uid: 2, section: { part: [1, 2], text: 'MIME' } }],
    ['/INBOX/;UID=3/;SECTION=HEADER.FIELDS%20(SUBJECT%20FROM)', { mailbox: 'INBOX', uid: 3, section: { part: [], text: 'HEADER.FIELDS', fields: ['SUBJECT', 'FROM'] } }],
    ['/INBOX/;UID=3/;SECTION=1/;PARTIAL=10.20', { mailbox: 'INBOX', uid: 3, section: { part: [1] }, partial: { offset: 10, length: 20 } }],
    ['/INBOX/;uid=3/;partial=5', { mailbox: 'INBOX', uid: 3, section: { part: [] }, partial: { offset: 5, length: Number.MAX_SAFE_INTEGER } }],
  ])('%s', (url, want) => {
    expect(parseMessageUrl(url)).toEqual(want);
  });

  it.each([
    'imap://fred@example.com/INBOX;UIDVALIDITY=1/;UID=1',
    'INBOX/;UID=1',
    '/INBOX',
    '/INBOX/;UID=0',
    '/INBOX/;UID=1/;SECTION=BOGUS',
    '/INBOX/;UID=1/;SECTION=1.',
    '/%E0%A4%A/;UID=1',
    '/;UID=1',
  ])('%s names nothing', (url) => {
    expect(parseMessageUrl(url)).toBeNull();
  });
});
