import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPartial, countLines, indexMessage, parseAddressList, sectionBytes, type BodyStructure, type MimeIndex } from '@/lib/mime';

// Golden files pin ENVELOPE and BODYSTRUCTURE for a folder of real-world-shaped messages
// (test/fixtures/mime/*.eml → *.golden.json). Regenerate deliberately with UPDATE_GOLDEN=1 and review the diff.
const DIR = path.resolve('test/fixtures/mime');
const fixtures = fs.readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort();

function load(name: string): { raw: Buffer; index: MimeIndex } {
  const raw = fs.readFileSync(path.join(DIR, name));
  return { raw, index: indexMessage(raw) };
}

/** Every part path of a body structure, with its structure (RFC 3501 numbering). */
function partsOf(bs: BodyStructure, prefix: number[] = [], root = true): [number[], BodyStructure][] {
  const out: [number[], BodyStructure][] = [];
  if (bs.kind === 'multipart') {
    bs.parts.forEach((p, i) => {
      const pathHere = [...prefix, i + 1];
      out.push([pathHere, p]);
      out.push(...partsOf(p, pathHere, false));
    });
  } else if (root) {
    out.push([[1], bs]);
  } else if (bs.body) {
    // Inside message/rfc822: its message's parts continue the numbering.
    if (bs.body.kind === 'multipart') out.push(...partsOf(bs.body, prefix, false));
    else out.push([[...prefix, 1], bs.body]);
  }
  return out;
}

describe('MIME indexer golden files', () => {
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(8));

  for (const name of fixtures) {
    it(`${name}: ENVELOPE and BODYSTRUCTURE match the golden file`, () => {
      const { index } = load(name);
      const goldenPath = path.join(DIR, name.replace(/\.eml$/, '.golden.json'));
      const actual = { envelope: index.envelope, bodyStructure: index.bodyStructure, sentAt: index.sentAt };
      // Goldens are written only when UPDATE_GOLDEN=1 is set explicitly; a fixture without
      // a golden file fails, so a new .eml is never accepted unchecked.
      if (process.env.UPDATE_GOLDEN === '1') {
        fs.writeFileSync(goldenPath, JSON.stringify(actual, null, 2) + '\n');
      }
      expect(fs.existsSync(goldenPath), `${goldenPath} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(fs.readFileSync(goldenPath, 'utf8')));
    });

    it(`${name}: the size and lines we announce equal the bytes we serve, for every part`, () => {
      const { raw, index } = load(name);
      expect(sectionBytes(raw, index, { part: [] })!.equals(raw)).toBe(true);
      const header = sectionBytes(raw, index, { part: [], specifier: 'HEADER' })!;
      const text = sectionBytes(raw, index, { part: [], specifier: 'TEXT' })!;
      expect(header.length + text.length).toBe(raw.length);
      for (const [p, bs] of partsOf(index.bodyStructure)) {
        const data = sectionBytes(raw, index, { part: p });
        expect(data, `BODY[${p.join('.')}]`).not.toBeNull();
        if (bs.kind === 'single') {
          expect(data!.length, `size of ${p.join('.')}`).toBe(bs.size);
          if (bs.lines !== undefined) expect(countLines(data!, 0, data!.length)).toBe(bs.lines);
          const mime = sectionBytes(raw, index, { part: p, specifier: 'MIME' });
          expect(mime).not.toBeNull();
        }
      }
    });
  }
});

describe('sections, by hand', () => {
  it('serves nested parts of a multipart/mixed > alternative > related message', () => {
    const { raw, index } = load('nested.eml');
    const s = (part: number[], specifier?: 'HEADER' | 'TEXT' | 'MIME') => sectionBytes(raw, index, { part, specifier })?.toString('latin1');
    expect(s([1, 1])).toBe('Plain text body.\r\nSecond line.\r\n');
    expect(s([1, 1], 'MIME')).toBe('Content-Type: text/plain; charset="us-ascii"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n');
    expect(s([1, 2, 1])).toBe('<html><body><p>Caf=C3=A9 <img src=3D"cid:logo@x"></p></body></html>');
    expect(s([1, 2, 2])).toBe('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA\r\n60e6kgAAAABJRU5ErkJggg==');
    expect(s([2])).toBe('JVBERi0xLjQKJcfs');
    expect(s([3])).toBeUndefined();
    expect(s([1, 1], 'HEADER')).toBeUndefined();
    const bs = index.bodyStructure;
    expect(bs.kind).toBe('multipart');
    if (bs.kind !== 'multipart') return;
    const pdf = bs.parts[1];
    expect(pdf).toMatchObject({
      type: 'application', subtype: 'pdf', encoding: 'BASE64', size: 16, description: 'CV',
      params: [['name*', "UTF-8''R%C3%A9sum%C3%A9.pdf"]],
      disposition: { type: 'attachment', params: [['size', '12'], ['filename*', "UTF-8''R%C3%A9sum%C3%A9.pdf"]] },
      language: ['en', 'fr'], location: 'http://example.net/cv.pdf', md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
    });
    expect(index.envelope.to).toEqual([
      { name: null, adl: null, mailbox: 'Team', host: null },
      { name: null, adl: null, mailbox: 'erin', host: 'example.com' },
      { name: null, adl: null, mailbox: 'frank', host: 'example.com' },
      { name: null, adl: null, mailbox: null, host: null },
    ]);
    expect(index.envelope.sender).toEqual([{ name: null, adl: null, mailbox: 'list-bounces', host: 'lists.example.net' }]);
  });

  it('numbers parts inside message/rfc822 and serves its HEADER and TEXT', () => {
    const { raw, index } = load('forwarded.eml');
    const s = (part: number[], specifier?: 'HEADER' | 'TEXT' | 'MIME') => sectionBytes(raw, index, { part, specifier })?.toString('latin1');
    expect(s([2], 'HEADER')).toMatch(/^From: Ivan <ivan@example.org>\r\n[\s\S]*boundary="b2"\r\n\r\n$/);
    expect(s([2, 1])).toBe('Caf=E9 numbers: 1, 2, 3.');
    expect(s([2, 2])).toBe('<p>numbers</p>');
    expect(s([3, 1])).toBe('Just a line.');
    expect(s([3], 'TEXT')).toBe('Just a line.');
    expect(s([2])!.startsWith('From: Ivan')).toBe(true);
    expect(s([2])!.endsWith('--b2--\r\n')).toBe(true);
    const inner = index.bodyStructure.kind === 'multipart' ? index.bodyStructure.parts[2] : null;
    expect(inner).toMatchObject({ type: 'message', subtype: 'rfc822', envelope: { subject: 'single inner', from: [{ name: 'Jo "JJ" Smith', mailbox: 'jo', host: 'example.org' }] } });
  });

  it('serves HEADER.FIELDS and .NOT with the original folding, and partial ranges', () => {
    const { raw, index } = load('simple.eml');
    const f = sectionBytes(raw, index, { part: [], specifier: 'HEADER.FIELDS', fields: ['received', 'SUBJECT', 'x-none'] })!.toString();
    expect(f).toBe('Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby mail.example.com (Postern) with ESMTPS id 4Xy; Tue, 24 Nov 2026 00:00:00 +0000\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from Alice\r\n\r\n');
    const not = sectionBytes(raw, index, { part: [], specifier: 'HEADER.FIELDS.NOT', fields: ['received', 'return-path', 'content-type', 'content-transfer-encoding', 'mime-version', 'message-id', 'date', 'cc', 'to', 'subject'] })!.toString();
    expect(not).toBe('From: Alice Example <alice@example.org>\r\n\r\n');
    const all = sectionBytes(raw, index, { part: [] })!;
    expect(applyPartial(all, { offset: 5, length: 10 }).toString()).toBe(raw.subarray(5, 15).toString());
    expect(applyPartial(all, { offset: raw.length + 5, length: 10 }).length).toBe(0);
    expect(index.envelope.cc).toEqual([{ name: null, adl: null, mailbox: 'undisclosed-recipients', host: null }, { name: null, adl: null, mailbox: null, host: null }]);
    expect(index.sentAt).toBe('2026-11-23T09:11:12.000Z');
  });

  it('survives malformed input', () => {
    const { raw, index } = load('malformed-unterminated.eml');
    // RFC 2046: a delimiter line need only start with the boundary ("--abc-def" is one, as for Dovecot).
    expect(sectionBytes(raw, index, { part: [1] })!.toString()).toBe('first part');
    expect(sectionBytes(raw, index, { part: [2], specifier: 'MIME' })!.toString()).toBe('still first part (longer boundary-looking line)');
    expect(sectionBytes(raw, index, { part: [3] })!.toString()).toBe('AAAA\r\n');
    const deep = Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n' + '--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n'.repeat(200) + 'end\r\n');
    expect(() => indexMessage(deep)).not.toThrow();
    expect(() => indexMessage(Buffer.alloc(0))).not.toThrow();
    expect(() => indexMessage(Buffer.from('\r\n\r\n:::\r\n'))).not.toThrow();
  });

  it('parses address lists the way clients expect', () => {
    expect(parseAddressList('"Doe, John" <john@x.org>, jane@y.org (Jane D)')).toEqual([
      { name: 'Doe, John', adl: null, mailbox: 'john', host: 'x.org' },
      { name: 'Jane D', adl: null, mailbox: 'jane', host: 'y.org' },
    ]);
    expect(parseAddressList('<@relay.net:joe@z.org>')).toEqual([{ name: null, adl: '@relay.net', mailbox: 'joe', host: 'z.org' }]);
    expect(parseAddressList('nobody')).toEqual([{ name: null, adl: null, mailbox: 'nobody', host: 'MISSING_DOMAIN' }]);
    expect(parseAddressList('')).toBeNull();
  });
});
