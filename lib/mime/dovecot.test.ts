import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexMessage, normalizeCrlf, sectionBytes, type BodyStructure, type Section, type Envelope, type EnvelopeAddress } from '@/lib/mime';

// An independent oracle for the golden files: Dovecot's own imap binary (Debian dovecot-imapd),
// run in PREAUTH mode over a Maildir of the same fixtures, must report the same BODYSTRUCTURE and
// ENVELOPE as our indexer (compared case-insensitively, as clients do). Skipped when Dovecot is absent.
const IMAP_BIN = '/usr/lib/dovecot/imap';
const FIXTURES = path.resolve('test/fixtures/mime');

// Deliberate differences, each with its reason.
const DEVIATIONS: Record<string, string> = {
  // Dovecot shows a multipart without boundary as one empty part; we serve its body as text/plain.
  'malformed-no-boundary': 'bodystructure',
  // A base64 message/rfc822 is not a message to index: Dovecot counts 2 bytes of the following
  // delimiter's line break into its size; we announce exactly the bytes BODY[4] serves.
  'bounce-report': 'bodystructure',
};

type V = null | number | string | V[];

/** A small reader for IMAP response values (quoted, literal, atom, NIL, number, list). */
function parseValues(s: Buffer): V[] {
  let i = 0;
  const ch = (k = i) => String.fromCharCode(s[k]);
  const value = (): V => {
    while (ch() === ' ') i++;
    if (ch() === '(') {
      i++;
      const out: V[] = [];
      for (;;) {
        while (ch() === ' ') i++;
        if (ch() === ')') { i++; return out; }
        out.push(value());
      }
    }
    if (ch() === '"') {
      i++;
      const bytes: number[] = [];
      while (ch() !== '"') { if (ch() === '\\') i++; bytes.push(s[i++]); }
      i++;
      return Buffer.from(bytes).toString('utf8');
    }
    if (ch() === '{') {
      const close = s.indexOf('}', i);
      const n = Number(s.subarray(i + 1, close).toString());
      i = close + 3;
      const v = s.subarray(i, i + n).toString('utf8');
      i += n;
      return v;
    }
    let t = '';
    while (i < s.length && !' ()'.includes(ch())) t += ch(i++);
    return t === 'NIL' ? null : /^\d+$/.test(t) ? Number(t) : t;
  };
  const out: V[] = [];
  while (i < s.length) { out.push(value()); while (ch() === ' ') i++; }
  return out;
}

const params = (p: [string, string][]): V => (p.length ? p.flat() : null);
const addresses = (l: EnvelopeAddress[] | null): V => (l ? l.map((a) => [a.name, a.adl, a.mailbox, a.host]) : null);
const envelope = (e: Envelope): V => [e.date, e.subject, addresses(e.from), addresses(e.sender), addresses(e.replyTo), addresses(e.to), addresses(e.cc), addresses(e.bcc), e.inReplyTo, e.messageId];
function structure(b: BodyStructure): V {
  const ext: V[] = [b.disposition ? [b.disposition.type, params(b.disposition.params)] : null, b.language, b.location];
  if (b.kind === 'multipart') return [...b.parts.map(structure), b.subtype, params(b.params), ...ext];
  const out: V[] = [b.type, b.subtype, params(b.params), b.id, b.description, b.encoding, b.size];
  if (b.envelope) out.push(envelope(b.envelope), structure(b.body!), b.lines!);
  else if (b.lines !== undefined) out.push(b.lines);
  return [...out, b.md5, ...ext];
}
const lower = (v: V): V => (Array.isArray(v) ? v.map(lower) : typeof v === 'string' ? v.toLowerCase() : v);

const available = fs.existsSync(IMAP_BIN) && (process.getuid?.() !== 0 || spawnSync('runuser', ['--help']).status === 0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-dovecot-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runDovecot(names: string[], commands = 'b FETCH 1:* (BODYSTRUCTURE ENVELOPE)\r\n'): Buffer {
  const home = fs.mkdtempSync(path.join(dir, 'home-'));
  const maildir = path.join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(maildir, sub), { recursive: true });
  names.forEach((name, i) => fs.copyFileSync(path.join(FIXTURES, `${name}.eml`), path.join(maildir, 'cur', `${String(i + 1).padStart(3, '0')}.${name}:2,`)));
  const root = process.getuid?.() === 0;
  const uid = root ? Number(spawnSync('id', ['-u', 'nobody']).stdout.toString()) : process.getuid!();
  const gid = root ? Number(spawnSync('id', ['-g', 'nobody']).stdout.toString()) : process.getgid!();
  fs.writeFileSync(
    path.join(dir, 'dovecot.conf'),
    [`base_dir = ${dir}/run`, `state_dir = ${dir}/state`, `log_path = ${dir}/log`, `mail_location = maildir:${maildir}`,
      `mail_uid = ${uid}`, `mail_gid = ${gid}`, 'first_valid_uid = 0', 'first_valid_gid = 0',
      `userdb {\n  driver = static\n  args = uid=${uid} gid=${gid} home=${home}\n}`, 'passdb {\n  driver = static\n  args = password=x\n}', ''].join('\n'),
  );
  if (root) spawnSync('chown', ['-R', `${uid}:${gid}`, dir]);
  const cmd = [IMAP_BIN, '-c', path.join(dir, 'dovecot.conf')];
  const env = ['env', `USER=postern`, `HOME=${home}`];
  const input = `a SELECT INBOX\r\n${commands}z LOGOUT\r\n`;
  const r = root ? spawnSync('runuser', ['-u', 'nobody', '--', ...env, ...cmd], { input, timeout: 20_000 })
    : spawnSync(env[0], [...env.slice(1), ...cmd], { input, timeout: 20_000 });
  return r.stdout;
}

describe.skipIf(!available)('BODYSTRUCTURE and ENVELOPE agree with Dovecot', () => {
  const names = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)).sort();
  let responses: Map<number, { bodystructure: V; envelope: V }>;

  it('runs Dovecot over the fixtures', () => {
    const out = runDovecot(names);
    responses = new Map();
    // Split at untagged FETCH starts; literals inside may contain CRLF.
    const text = out.toString('latin1');
    const starts = [...text.matchAll(/\r\n\* (\d+) FETCH /g)].map((m) => m.index! + 2);
    starts.forEach((start, k) => {
      const end = k + 1 < starts.length ? starts[k + 1] - 2 : text.indexOf('\r\nb OK', start);
      const [n, , data] = parseValues(out.subarray(start + 2, end)) as [number, V, V[]];
      const get = (key: string) => data[data.findIndex((x) => typeof x === 'string' && x.toUpperCase() === key) + 1];
      responses.set(n, { bodystructure: get('BODYSTRUCTURE'), envelope: get('ENVELOPE') });
    });
    expect(responses.size).toBe(names.length);
  });

  names.forEach((name, i) => {
    it(`${name}`, () => {
      const index = indexMessage(normalizeCrlf(fs.readFileSync(path.join(FIXTURES, `${name}.eml`))));
      const theirs = responses.get(i + 1)!;
      expect(envelope(index.envelope)).toEqual(theirs.envelope);
      if (DEVIATIONS[name] === 'bodystructure') {
        expect(lower(structure(index.bodyStructure))).not.toEqual(lower(theirs.bodystructure));
      } else {
        expect(lower(structure(index.bodyStructure))).toEqual(lower(theirs.bodystructure));
      }
    });
  });
});

/** Every section a client may ask for, from our structure: parts, their MIME headers, HEADER/TEXT of messages. */
function sectionsOf(bs: BodyStructure): Section[] {
  const out: Section[] = [{ part: [] }, { part: [], specifier: 'HEADER' }, { part: [], specifier: 'TEXT' }];
  const walk = (b: BodyStructure, prefix: number[], top: boolean) => {
    if (b.kind === 'multipart') {
      b.parts.forEach((p, i) => {
        const here = [...prefix, i + 1];
        out.push({ part: here }, { part: here, specifier: 'MIME' });
        walk(p, here, false);
      });
    } else if (top) {
      out.push({ part: [1] }, { part: [1], specifier: 'MIME' });
    } else if (b.body && prefix.length) {
      out.push({ part: prefix, specifier: 'HEADER' }, { part: prefix, specifier: 'TEXT' });
      if (b.body.kind === 'multipart') walk(b.body, prefix, false);
      else out.push({ part: [...prefix, 1] });
    }
  };
  walk(bs, [], true);
  return out;
}

const label = (s: Section) => [...s.part.map(String), ...(s.specifier ? [s.specifier] : [])].join('.');

describe.skipIf(!available)('BODY[section] bytes agree with Dovecot', () => {
  const names = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)).sort()
    .filter((n) => !DEVIATIONS[n]);
  const raws = names.map((n) => normalizeCrlf(fs.readFileSync(path.join(FIXTURES, `${n}.eml`))));
  const indexes = raws.map((r) => indexMessage(r));
  const sections = indexes.map((ix) => sectionsOf(ix.bodyStructure));
  let answers: Map<string, Buffer | null>;

  it('fetches every section from Dovecot', () => {
    const commands = sections.map((list, i) => `f${i + 1} FETCH ${i + 1} (${list.map((s) => `BODY.PEEK[${label(s)}]`).join(' ')})\r\n`).join('');
    const out = runDovecot(names, commands);
    answers = new Map();
    // Walk the output: "* n FETCH (BODY[sec] {len}\r\n<bytes> BODY[sec] NIL ...)".
    const text = out.toString('latin1');
    const re = /(?:\* (\d+) FETCH \(| )BODY\[([^\]]*)\] (?:\{(\d+)\}\r\n|(NIL)|"((?:[^"\\]|\\.)*)")/g;
    let seq = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      if (m[1]) seq = Number(m[1]);
      const key = `${seq}:${m[2]}`;
      if (m[3] !== undefined) {
        const start = m.index + m[0].length;
        const len = Number(m[3]);
        answers.set(key, out.subarray(start, start + len));
        re.lastIndex = start + len;
      } else if (m[4]) answers.set(key, null);
      else answers.set(key, Buffer.from(m[5].replace(/\\(.)/g, '$1'), 'latin1'));
    }
    expect(answers.size).toBe(sections.reduce((n, l) => n + new Set(l.map(label)).size, 0));
  });

  names.forEach((name, i) => {
    it(`${name}: every section, byte for byte`, () => {
      for (const s of sections[i]) {
        const ours = sectionBytes(raws[i], indexes[i], s);
        const theirs = answers.get(`${i + 1}:${label(s)}`);
        expect(ours?.toString('latin1') ?? null, `BODY[${label(s)}]`).toEqual(theirs === null ? null : theirs!.toString('latin1'));
      }
    });
  });
});
