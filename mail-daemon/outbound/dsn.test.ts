// Over 300 lines: one describe per part of the RFC 3464 report (headers, delivery-status fields, human text, returned content).
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeDsn, statusFromReply, type DsnInput, type DsnRecipient } from './dsn';
import { foldField, quotedPrintable } from './dsn-encoding';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

const ORIGINAL_HEADER = [
  'From: Alice <alice@example.org>',
  'To: Bob <bob@example.net>',
  'Subject: Quarterly numbers',
  'Date: Mon, 9 Mar 2026 10:00:00 +0000',
  'Message-ID: <orig-1@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  '',
].join('\r\n');
const ORIGINAL = Buffer.from(ORIGINAL_HEADER + 'Hello Bob,\r\n\r\nthe numbers are attached.\r\n.leading dot\r\n', 'utf8');

const ARRIVAL = new Date('2026-03-09T10:00:05Z');
const NOW = new Date('2026-03-10T12:00:00Z');

const bob: DsnRecipient = {
  address: 'bob@example.net',
  orcpt: 'rfc822;bob@example.net',
  action: 'failed',
  status: '5.1.1',
  diagnostic: { code: 550, text: '5.1.1 <bob@example.net>: Recipient address rejected: User unknown' },
  remoteMta: 'mx1.example.net',
  lastAttempt: new Date('2026-03-09T10:00:07Z'),
};

const base = (over: Partial<DsnInput> = {}): DsnInput => ({
  kind: 'failure',
  reportingMta: 'mail.postern.example',
  from: 'MAILER-DAEMON@mail.postern.example',
  to: 'alice@example.org',
  arrivalDate: ARRIVAL,
  recipients: [bob],
  original: ORIGINAL,
  ret: 'FULL',
  messageId: 'dsn-1@mail.postern.example',
  date: NOW,
  ...over,
});

interface Parsed {
  raw: Buffer;
  mail: ParsedMail;
  status: Attachment;
  returned: Attachment | undefined;
  /** Per-message fields, then one map per recipient (lowercase names, unfolded values). */
  fields: Array<Record<string, string>>;
}

/** RFC 3464 §2.1: groups of header-style fields separated by blank lines. */
function parseDeliveryStatus(text: string): Array<Record<string, string>> {
  return text
    .replace(/\r\n$/, '')
    .split(/\r\n\r\n/)
    .map((group) => {
      const fields: Record<string, string> = {};
      for (const field of group.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
        const colon = field.indexOf(':');
        fields[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim().replace(/\s+/g, ' ');
      }
      return fields;
    });
}

async function compose(input: DsnInput): Promise<Parsed> {
  const raw = composeDsn(input);
  const mail = await simpleParser(raw, { keepDeliveryStatus: true });
  const status = mail.attachments.find((a) => a.contentType === 'message/delivery-status');
  expect(status, 'a message/delivery-status part').toBeDefined();
  const returned = mail.attachments.find((a) => a.contentType === 'message/rfc822' || a.contentType === 'text/rfc822-headers');
  return { raw, mail, status: status!, returned, fields: parseDeliveryStatus(status!.content.toString('latin1')) };
}

/** The human-readable text with wrapping undone, to match prose against. */
const flat = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ');

/** The DSN's own lines, CRLF-terminated and within RFC 5322's 998 octets. */
function expectWellFormedLines(raw: Buffer) {
  const text = raw.toString('latin1');
  expect(text).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
  for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'latin1')).toBeLessThanOrEqual(998);
}

describe('DSN headers and structure', () => {
  it.each([
    ['failure', 'Undelivered Mail Returned to Sender', [bob]],
    ['delay', 'Delayed Mail (still being retried)', [{ ...bob, action: 'delayed', status: '4.2.2', diagnostic: { code: 452, text: '4.2.2 Mailbox full' }, willRetryUntil: new Date('2026-03-14T10:00:05Z') }]],
    ['success', 'Successful Mail Delivery Report', [{ ...bob, action: 'delivered', status: '2.0.0', diagnostic: { code: 250, text: '2.0.0 Ok: queued as 4F1' } }]],
  ] as const)('%s: %s', async (kind, subject, recipients) => {
    const { raw, mail } = await compose(base({ kind, recipients: [...recipients] }));
    expect(mail.subject).toBe(subject);
    expect(mail.from?.value).toEqual([{ name: 'Mail Delivery System', address: 'MAILER-DAEMON@mail.postern.example' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : null).toEqual(['alice@example.org']);
    expect(mail.date?.toISOString()).toBe(NOW.toISOString());
    expect(mail.messageId).toBe('<dsn-1@mail.postern.example>');
    expect(mail.headers.get('mime-version')).toBe('1.0');
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    const ct = mail.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(ct.value).toBe('multipart/report');
    expect(ct.params['report-type']).toBe('delivery-status');
    expectWellFormedLines(raw);
    // RFC 6522 §3: human-readable part first, then the report, then the returned message.
    const types = [...raw.toString('latin1').matchAll(/^Content-Type: ([^;\r\n]+)/gm)].map((m) => m[1]);
    // (The fifth Content-Type is the returned message's own.)
    expect(types.slice(0, 4)).toEqual(['multipart/report', 'text/plain', 'message/delivery-status', 'message/rfc822']);
  });

  it.each([
    ['a string id', 'abc@host.example', '<abc@host.example>'],
    ['an id already in brackets', '<abc@host.example>', '<abc@host.example>'],
    ['a generator', () => 'gen-7@host.example', '<gen-7@host.example>'],
  ])('Message-ID from %s', async (_name, messageId, expected) => {
    const { mail } = await compose(base({ messageId }));
    expect(mail.messageId).toBe(expected);
  });

  it('makes a Message-ID at the reporting MTA when none is given', async () => {
    const { mail } = await compose(base({ messageId: undefined }));
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@mail\.postern\.example>$/);
  });

  it('encodes a non-ASCII From display name', async () => {
    const { raw, mail } = await compose(base({ from: { name: 'Système de messagerie', address: 'MAILER-DAEMON@mail.postern.example' } }));
    expect(mail.from?.value[0].name).toBe('Système de messagerie');
    expect(raw.toString('latin1')).toMatch(/^From: =\?UTF-8\?B\?/m);
  });

  it('refuses to report to the null reverse-path, and to report nobody', () => {
    expect(() => composeDsn(base({ to: '' }))).toThrow(/null reverse-path/);
    expect(() => composeDsn(base({ recipients: [] }))).toThrow(/at least one recipient/);
  });
});

describe('message/delivery-status fields', () => {
  it.each<[string, Partial<DsnInput>, Array<Record<string, string>>]>([
    [
      'a failed recipient with everything',
      { envid: 'QQ314159' },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'original-envelope-id': 'QQ314159', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        {
          'original-recipient': 'rfc822; bob@example.net',
          'final-recipient': 'rfc822; bob@example.net',
          action: 'failed',
          status: '5.1.1',
          'remote-mta': 'dns; mx1.example.net',
          'diagnostic-code': 'smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown',
          'last-attempt-date': 'Mon, 9 Mar 2026 10:00:07 +0000',
        },
      ],
    ],
    [
      'a recipient that never reached a server (no ORCPT, no reply, no ENVID)',
      { recipients: [{ address: 'carol@nowhere.example', action: 'failed', status: '5.4.4' }] },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        { 'final-recipient': 'rfc822; carol@nowhere.example', action: 'failed', status: '5.4.4' },
      ],
    ],
    [
      'xtext in ENVID and ORCPT is decoded (RFC 3461 §4)',
      { envid: 'id+2Bone', recipients: [{ ...bob, orcpt: 'rfc822;bob+2Btag@example.net', diagnostic: null, remoteMta: null, lastAttempt: null }] },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'original-envelope-id': 'id+one', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        { 'original-recipient': 'rfc822; bob+tag@example.net', 'final-recipient': 'rfc822; bob@example.net', action: 'failed', status: '5.1.1' },
      ],
    ],
    [
      'a delayed recipient carries Will-Retry-Until',
      {
        kind: 'delay',
        recipients: [{ ...bob, orcpt: null, action: 'delayed', status: '4.4.1', diagnostic: null, remoteMta: null, willRetryUntil: new Date('2026-03-14T10:00:05Z') }],
      },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        { 'final-recipient': 'rfc822; bob@example.net', action: 'delayed', status: '4.4.1', 'last-attempt-date': 'Mon, 9 Mar 2026 10:00:07 +0000', 'will-retry-until': 'Sat, 14 Mar 2026 10:00:05 +0000' },
      ],
    ],
    [
      'Will-Retry-Until only for delayed recipients',
      { recipients: [{ ...bob, orcpt: null, diagnostic: null, remoteMta: null, lastAttempt: null, willRetryUntil: new Date() }] },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        { 'final-recipient': 'rfc822; bob@example.net', action: 'failed', status: '5.1.1' },
      ],
    ],
    [
      'an invalid status becomes the undefined status of the action',
      { recipients: [{ address: 'x@example.net', action: 'failed', status: 'bogus' }] },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        { 'final-recipient': 'rfc822; x@example.net', action: 'failed', status: '5.0.0' },
      ],
    ],
    [
      'an internationalised address uses the RFC 6533 utf-8 type, kept 7-bit',
      { recipients: [{ address: 'jörg@example.net', action: 'failed', status: '5.1.1' }] },
      [
        { 'reporting-mta': 'dns; mail.postern.example', 'arrival-date': 'Mon, 9 Mar 2026 10:00:05 +0000' },
        { 'final-recipient': 'utf-8; j\\x{F6}rg@example.net', action: 'failed', status: '5.1.1' },
      ],
    ],
  ])('%s', async (_name, over, expected) => {
    const { fields, status } = await compose(base(over));
    expect(fields).toEqual(expected);
    expect(status.content.every((b) => b < 0x80)).toBe(true);
  });

  it('a multi-recipient failure lists each recipient, in both parts', async () => {
    const recipients: DsnRecipient[] = [
      bob,
      { address: 'carol@example.com', action: 'failed', status: '5.2.2', diagnostic: { code: 552, text: '5.2.2 Mailbox full' }, remoteMta: 'mx.example.com' },
      { address: 'dave@example.com', action: 'failed', status: '5.7.1', diagnostic: { code: 554, text: '5.7.1 Rejected by policy' }, remoteMta: 'mx.example.com' },
    ];
    const { fields, mail } = await compose(base({ recipients }));
    expect(fields.slice(1).map((f) => [f['final-recipient'], f.status, f['diagnostic-code']])).toEqual([
      ['rfc822; bob@example.net', '5.1.1', 'smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown'],
      ['rfc822; carol@example.com', '5.2.2', 'smtp; 552 5.2.2 Mailbox full'],
      ['rfc822; dave@example.com', '5.7.1', 'smtp; 554 5.7.1 Rejected by policy'],
    ]);
    for (const r of recipients) {
      expect(mail.text).toContain(`<${r.address}>:`);
      expect(mail.text).toContain(`${r.diagnostic!.code} ${r.diagnostic!.text}`);
    }
    expect(flat(mail.text)).toContain('could not be delivered to 3 recipients; the mail system has given up on them');
  });

  it('folds a long reply within 998 octets and keeps a reply from starting a new field', async () => {
    const long = '5.7.1 ' + Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ') + ' ' + 'x'.repeat(1500);
    const { raw, fields } = await compose(
      base({ recipients: [{ ...bob, diagnostic: { code: 550, text: `${long}\r\nInjected-Field: yes` } }] }),
    );
    expectWellFormedLines(raw);
    expect(fields[1]['injected-field']).toBeUndefined();
    // The 1500-octet run has no space to fold at, so it is cut (a space appears in it).
    expect(fields[1]['diagnostic-code']).toMatch(/^smtp; 550 5\.7\.1 word0 word1 .* word119 x+ x+ Injected-Field: yes$/);
    expect(fields[1]['diagnostic-code'].match(/x/g)).toHaveLength(1500);
  });
});

describe('human-readable part', () => {
  it.each<[string, Partial<DsnInput>, RegExp[]]>([
    ['failure: who, which server, its reply', {}, [/could not be delivered to 1 recipient; the mail system has given up on it/, /<bob@example\.net>:/, /The server mx1\.example\.net answered: 550 5\.1\.1 <bob@example\.net>: Recipient address rejected: User unknown /, /Status 5\.1\.1: the mailbox does not exist/, /Your message is attached below/]],
    [
      'delay: when we stop trying',
      { kind: 'delay', recipients: [{ ...bob, action: 'delayed', status: '4.4.1', diagnostic: null, remoteMta: null, willRetryUntil: new Date('2026-03-14T10:00:05Z') }] },
      [/has not yet been delivered to 1 recipient/, /will keep trying/, /will stop trying at Sat, 14 Mar 2026 10:00:05 \+0000/, /Status 4\.4\.1: the receiving server did not answer/],
    ],
    [
      'a failure that also reports a delayed recipient says which is which',
      { recipients: [bob, { address: 'erin@slow.example', action: 'delayed', status: '4.4.1', willRetryUntil: new Date('2026-03-14T10:00:05Z') }] },
      [/could not be delivered to 1 recipient; the mail system has given up on it\. - has not yet been delivered to 1 recipient/, /<bob@example\.net>:[^]*<erin@slow\.example>:[^]*will stop trying at Sat, 14 Mar 2026/],
    ],
    [
      'no reply received: our own explanation',
      { recipients: [{ address: 'carol@nowhere.example', action: 'failed', status: '5.4.4', explanation: 'No MX or address records for nowhere.example' }] },
      [/<carol@nowhere\.example>: No MX or address records for nowhere\.example/, /Status 5\.4\.4: no way to reach the recipient domain was found/],
    ],
    ['success: delivered where', { kind: 'success', recipients: [{ ...bob, action: 'delivered', status: '2.0.0', diagnostic: null }] }, [/was delivered to 1 recipient, as you asked to be told/, /Delivered to mx1\.example\.net\./]],
    [
      'success: relayed to a server that will not report',
      { kind: 'success', recipients: [{ ...bob, action: 'relayed', status: '2.0.0', diagnostic: { code: 250, text: '2.0.0 Ok: queued as 4F1' } }] },
      [/was passed on for 1 recipient to a mail system that does not report delivery; you will get no further notice about it/, /The server mx1\.example\.net answered: 250 2\.0\.0 Ok: queued as 4F1/],
    ],
  ])('%s', async (_name, over, patterns) => {
    const { mail } = await compose(base(over));
    for (const p of patterns) expect(flat(mail.text)).toMatch(p);
  });

  it('wraps its prose but quotes the remote reply verbatim on one line', async () => {
    const text = 'x'.repeat(40) + ' 5.1.1 ' + 'a long reply that goes past any reasonable width '.repeat(3).trim();
    const { mail } = await compose(base({ recipients: [{ ...bob, diagnostic: { code: 550, text } }] }));
    const lines = mail.text!.split(/\r?\n/);
    expect(lines).toContain(`      550 ${text}`);
    for (const line of lines.filter((l) => !l.includes(text))) expect(line.length).toBeLessThanOrEqual(72);
  });

  it('encodes non-ASCII text as quoted-printable UTF-8', async () => {
    const { raw, mail } = await compose(
      base({ recipients: [{ ...bob, address: 'jörg@example.net', diagnostic: { code: 550, text: '5.1.1 Empfänger unbekannt — “jörg”' } }] }),
    );
    expect(mail.text).toContain('<jörg@example.net>:');
    expect(mail.text).toContain('550 5.1.1 Empfänger unbekannt — “jörg”');
    const text = raw.toString('latin1');
    expect(text).toMatch(/Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable/);
    // With a 7-bit original, the whole DSN is 7-bit.
    expect(raw.every((b) => b < 0x80)).toBe(true);
  });
});

describe('returned content', () => {
  const headerOf = (msg: Buffer) => msg.subarray(0, msg.indexOf('\r\n\r\n') + 2);
  const big = Buffer.concat([Buffer.from(ORIGINAL_HEADER), Buffer.from('0123456789abcdef\r\n'.repeat(4000))]);
  const utf8Header = crlf(['From: Zoë <zoe@example.org>', 'Subject: Grüße aus Köln ☕', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', 'Schöne Grüße', '']);
  const encodedHeader = crlf(['From: zoe@example.org', 'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=', '', 'Hi', '']);
  const longLine = crlf(['Subject: wide', '', 'y'.repeat(2000), '']);

  it.each<[string, Partial<DsnInput>, 'message/rfc822' | 'text/rfc822-headers', Buffer, RegExp | null]>([
    ['RET=FULL returns the whole message intact', {}, 'message/rfc822', ORIGINAL, null],
    ['RET=HDRS returns only the header', { ret: 'HDRS' }, 'text/rfc822-headers', headerOf(ORIGINAL), null],
    ['RET=FULL over the default 1 MiB falls back to the header', { original: Buffer.concat([big, Buffer.alloc(1024 * 1024, 'z')]) }, 'text/rfc822-headers', headerOf(big), /larger than 1048576 bytes/],
    ['RET=FULL over maxReturnBytes falls back to the header', { original: big, maxReturnBytes: 10_000 }, 'text/rfc822-headers', headerOf(big), /larger than 10000 bytes/],
    ['RET=FULL at exactly maxReturnBytes is returned whole', { original: ORIGINAL, maxReturnBytes: ORIGINAL.length }, 'message/rfc822', ORIGINAL, null],
    ['a raw UTF-8 (RFC 6532) header survives RET=FULL', { original: utf8Header }, 'message/rfc822', utf8Header, null],
    ['a raw UTF-8 header survives RET=HDRS', { original: utf8Header, ret: 'HDRS' }, 'text/rfc822-headers', headerOf(utf8Header), null],
    ['an RFC 2047 subject survives RET=HDRS', { original: encodedHeader, ret: 'HDRS' }, 'text/rfc822-headers', headerOf(encodedHeader), null],
    ['lines over 998 octets cannot travel as message/rfc822', { original: longLine }, 'text/rfc822-headers', headerOf(longLine), /longer than 998/],
    ['bare LF in the stored message becomes CRLF', { original: Buffer.from('Subject: lf\n\nbody\n') }, 'message/rfc822', Buffer.from('Subject: lf\r\n\r\nbody\r\n'), null],
    ['a message without a body returns all of it as header', { original: Buffer.from('Subject: only\r\n'), ret: 'HDRS' }, 'text/rfc822-headers', Buffer.from('Subject: only\r\n'), null],
  ])('%s', async (_name, over, type, content, note) => {
    const { raw, mail, returned } = await compose(base(over));
    expect(returned?.contentType).toBe(type);
    expect(returned!.content.equals(content)).toBe(true);
    expectWellFormedLines(raw);
    if (note) expect(flat(mail.text)).toMatch(note);
    else expect(flat(mail.text)).not.toMatch(/only its header is returned/);
    const eightBit = content.some((b) => b > 0x7f);
    expect(raw.toString('latin1')).toContain(`Content-Type: ${type}\r\n${eightBit ? 'Content-Transfer-Encoding: 8bit\r\n' : ''}Content-Description:`);
  });

  it.each([
    ['FULL', 'Grüße aus Köln ☕'],
    ['HDRS', 'Grüße aus Köln ☕'],
  ] as const)('the UTF-8 subject of the original reads back from RET=%s', async (ret, subject) => {
    const { returned } = await compose(base({ original: utf8Header, ret }));
    const inner = await simpleParser(returned!.content);
    expect(inner.subject).toBe(subject);
  });

  it('an RFC 2047 subject of the original reads back', async () => {
    const { returned } = await compose(base({ original: encodedHeader, ret: 'HDRS' }));
    expect((await simpleParser(returned!.content)).subject).toBe('Grüße aus Köln');
  });

  it('a header section larger than maxReturnBytes is cut at a line end', async () => {
    const hugeHeader = Buffer.from(Array.from({ length: 500 }, (_, i) => `X-Trace-${i}: ${'t'.repeat(60)}\r\n`).join('') + '\r\nbody\r\n');
    const { returned, mail } = await compose(base({ original: hugeHeader, ret: 'HDRS', maxReturnBytes: 4096 }));
    expect(returned!.content.length).toBeLessThanOrEqual(4096);
    expect(flat(mail.text)).toContain('The header of the message was larger than 4096 bytes and is cut short.');
    expect(returned!.content.toString('latin1')).toMatch(/^X-Trace-0: t+\r\n(X-Trace-\d+: t+\r\n)*$/);
  });
});

describe('statusFromReply', () => {
  it.each([
    [550, '5.1.1 User unknown', '5.1.1'],
    [250, '2.0.0 Ok: queued as 4F1', '2.0.0'],
    [452, '4.2.2 Mailbox full', '4.2.2'],
    [554, '5.7.26 Unauthenticated email is not accepted', '5.7.26'],
    [550, '550 5.1.1 the basic code repeated in front', '5.1.1'],
    [550, '550-5.1.1 first line of a multi-line reply', '5.1.1'],
    [451, '  4.3.0 leading space', '4.3.0'],
    [550, '5.01.001 leading zeros are dropped', '5.1.1'],
    [550, 'User unknown', '5.0.0'],
    [421, 'Service not available', '4.0.0'],
    [250, 'OK', '2.0.0'],
    [550, '4.1.1 class disagrees with the reply code', '5.0.0'],
    [550, '5.1.1234 detail too long', '5.0.0'],
    [550, '5.1 too short', '5.0.0'],
    [550, 'Mailbox 5.1.1 not at the start', '5.0.0'],
    [550, '5.1.1.1 not a status code', '5.0.0'],
  ])('%i %s → %s', (code, text, expected) => {
    expect(statusFromReply(code, text)).toBe(expected);
  });

  it.each([0, 100, 354, 600, 55.5])('refuses %s, which is not a final reply code', (code) => {
    expect(() => statusFromReply(code, 'x')).toThrow(RangeError);
  });
});

describe('encoders', () => {
  it.each([
    ['short ASCII', 'Hello world', 'Hello world'],
    ['"=" is escaped', 'a=b', 'a=3Db'],
    ['trailing space is escaped', 'end ', 'end=20'],
    ['UTF-8 octets', 'ü', '=C3=BC'],
  ])('quoted-printable: %s', (_name, input, expected) => {
    expect(quotedPrintable(input)).toBe(expected);
  });

  it('quoted-printable keeps every line within 76 characters and decodes back', () => {
    const text = 'ä'.repeat(100) + '\n' + 'plain '.repeat(40);
    const encoded = quotedPrintable(text);
    for (const line of encoded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    const decoded = Buffer.from(encoded.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    expect(decoded).toBe(text.replace('\n', '\r\n'));
  });

  it.each([
    ['short', 'Status', '5.1.1', 'Status: 5.1.1\r\n'],
    ['folds at a space before 78', 'Diagnostic-Code', 'smtp; ' + 'abcdefghij '.repeat(8).trim(), 'Diagnostic-Code: smtp; abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij\r\n abcdefghij abcdefghij abcdefghij\r\n'],
  ])('foldField: %s', (_name, name, value, expected) => {
    expect(foldField(name, value)).toBe(expected);
  });
});
