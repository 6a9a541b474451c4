// SEARCH BODY and TEXT (RFC 3501 6.4.4) over a stored message without holding it in memory: the
// text parts the MIME index locates are read in pieces, their transfer encoding and charset
// undone as the bytes go by, and the folded text is matched against every needle at once, the
// last needle-length of text carried over so a match across two pieces is found. The same
// decoding over a message in memory gives the body match text mail_blobs keeps (bodyMatchText,
// stored by ./body-index.ts), which SEARCH BODY then matches in SQL.
import { parseHeader, type MimeIndex, type MimeNode } from '@/lib/mime';

/**
 * Bytes of a stored message one query reads, sent back as rows of SCAN_PIECE bytes. Not smaller:
 * Postgres reads a slice of a compressed value by decompressing up to its end (a 40 MB message
 * in 48 KiB slices took twenty times as long as in 1 MiB ones). Not larger: a query's rows live
 * until the last is matched, and rows that outlive two scavenges hold their bytes until V8's next
 * full collection (1 MiB queries left 45-65 MB of such bytes around a 40 MB search, 512 KiB ones 8).
 */
export const SCAN_CHUNK = 512 * 1024;
/**
 * Bytes handed over and matched at a time: the strings made from them (the hex text of a bytea,
 * decoded text, its folded copy) stay below V8's large-object size, so they die in the next
 * scavenge instead of piling up in the old generation until a full collection.
 */
export const SCAN_PIECE = 32 * 1024;

/** A stored message's bytes. */
export interface StoredBytes {
  /** Bytes [start, end) at once: for headers. */
  read(start: number, end: number): Promise<Buffer>;
  /** Bytes [start, end) in order, in pieces of at most SCAN_PIECE bytes: for bodies. */
  pieces(start: number, end: number): AsyncIterable<Buffer>;
}

/** Case and whitespace folded as SEARCH compares text: lower case, any run of whitespace one space. */
export function fold(s: string): string {
  // Every run replaced, single spaces too: /\s{2,}|[^\S ]/ gives the same text four times as fast,
  // but as slices of the lowered text, which the streamed scan then holds on to (a BODY search of a
  // 40 MB message peaked 9-20 MB above its start instead of 3: search-faults.test.ts).
  return s.toLowerCase().replace(/\s+/g, ' ');
}

/** A decoder for a MIME charset; unknown ones read as UTF-8, US-ASCII as UTF-8 (never windows-1252). */
export function textDecoder(charset: string | null): TextDecoder {
  const cs = (charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(cs === 'us-ascii' ? 'utf-8' : cs);
  } catch {
    return new TextDecoder('utf-8');
  }
}

/** RFC 2045 6.7 quoted-printable text (read as latin1) to bytes: "=XX" octets, "=" line ends soft. */
export function decodeQpText(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d) {
      if (text[i + 1] === '\n') { i += 1; continue; }
      if (text[i + 1] === '\r' && text[i + 2] === '\n') { i += 2; continue; }
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[o++] = parseInt(hex, 16);
        i += 2;
        continue;
      }
    }
    out[o++] = c & 0xff;
  }
  return out.subarray(0, o);
}

interface ByteDecoder {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
}

/** Content-Transfer-Encoding undone slice by slice: what a slice ends with mid-unit waits for the next. */
function transferDecoder(encoding: string): ByteDecoder {
  let rest = '';
  if (encoding === 'base64') {
    return {
      push(chunk) {
        const s = rest + chunk.toString('latin1').replace(/[^A-Za-z0-9+/]/g, '');
        const whole = s.length - (s.length % 4);
        rest = s.slice(whole);
        return Buffer.from(s.slice(0, whole), 'base64');
      },
      end: () => Buffer.from(rest, 'base64'),
    };
  }
  if (encoding === 'quoted-printable') {
    return {
      push(chunk) {
        const s = rest + chunk.toString('latin1');
        // "=XX" and "=\r\n" are three characters: an "=" among the last three may be cut.
        const eq = s.lastIndexOf('=');
        const cut = eq >= 0 && eq >= s.length - 3 ? eq : s.length;
        rest = s.slice(cut);
        return decodeQpText(s.slice(0, cut));
      },
      end: () => decodeQpText(rest),
    };
  }
  return { push: (chunk) => chunk, end: () => Buffer.alloc(0) };
}

/**
 * A needle of printable ASCII as a pattern over unfolded text: each letter in either case, each
 * space a run of whitespace. Where it matches, the folded text holds the needle (folding lowers
 * those letters and makes the run one space); where it does not, the text may still (a Kelvin
 * sign lowers to k, a match may span two pieces), so only a match is taken as an answer.
 */
function quickPattern(needle: string): RegExp | null {
  if (!/^[\x20-\x7e]+$/.test(needle)) return null;
  const parts = [...needle].map((c) => (c === ' ' ? '\\s+' : /[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return new RegExp(parts.join(''));
}

/** Folded text fed piece by piece; records each needle it sees, also across pieces. */
class NeedleScan {
  private tail = '';
  private lastSpace = false;
  private readonly keep: number;
  private readonly quick: Map<string, RegExp | null>;

  constructor(private readonly needles: string[], private readonly found: Set<string>) {
    this.keep = Math.max(...needles.map((n) => n.length)) - 1;
    this.quick = new Map(needles.map((n) => [n, quickPattern(n)]));
  }

  get done(): boolean {
    return this.needles.every((n) => this.found.has(n));
  }

  push(text: string): void {
    // The needles found in the text as it is need no folded copy of it; the rest are looked for in one.
    let missing = false;
    for (const n of this.needles) {
      if (this.found.has(n)) continue;
      if (this.quick.get(n)?.test(text)) this.found.add(n);
      else missing = true;
    }
    if (!missing) return;
    let t = fold(text);
    if (this.lastSpace && t.startsWith(' ')) t = t.slice(1);
    if (!t) return;
    this.lastSpace = t.endsWith(' ');
    const hay = this.tail + t;
    for (const n of this.needles) if (!this.found.has(n) && hay.includes(n)) this.found.add(n);
    this.tail = hay.slice(Math.max(0, hay.length - this.keep));
  }
}

/** The leaf parts of a message, under which BODY searches the text ones (textReader). */
function leaves(node: MimeNode, depth: number, out: MimeNode[]): MimeNode[] {
  if (depth > 20) return out;
  if (node.p) for (const c of node.p) leaves(c, depth + 1, out);
  else if (node.m) leaves(node.m, depth + 1, out);
  else out.push(node);
  return out;
}

/**
 * How BODY reads a leaf part, from the part's header: its transfer encoding and charset undone.
 * Null for a part BODY does not search: only text/* and message/* bodies, and parts without a
 * Content-Type, are text.
 */
function textReader(header: Buffer): { transfer: ByteDecoder; text: TextDecoder } | null {
  const fields = parseHeader(header, 0, header.length);
  const ct = fields.find((f) => f.key === 'content-type')?.value;
  if (ct !== undefined && !/^\s*(text\/|message\/)/i.test(ct)) return null;
  const cte = (fields.find((f) => f.key === 'content-transfer-encoding')?.value ?? '').trim().toLowerCase();
  const charset = ct ? (/charset\s*=\s*"?([^";\s]+)/i.exec(ct)?.[1] ?? null) : null;
  return { transfer: transferDecoder(cte), text: textDecoder(charset) };
}

/**
 * Which of the folded `needles` occur in the decoded text of the message's text parts. Reads one
 * slice at a time and stops once every needle is found.
 */
export async function scanBody(bytes: StoredBytes, index: MimeIndex, needles: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>(needles.filter((n) => n === ''));
  const wanted = [...new Set(needles)].filter((n) => n !== '');
  if (!wanted.length) return found;
  for (const node of leaves(index.root, 0, [])) {
    if (wanted.every((n) => found.has(n))) break;
    const reader = textReader(await bytes.read(node.h, node.b));
    if (!reader) continue;
    const scan = new NeedleScan(wanted, found);
    for await (const piece of bytes.pieces(node.b, node.e)) {
      scan.push(reader.text.decode(reader.transfer.push(piece), { stream: true }));
      if (scan.done) break;
    }
    scan.push(reader.text.decode(reader.transfer.end()));
  }
  return found;
}

/**
 * Encoded bytes of text parts up to which a message's body match text is kept. A message with more
 * is streamed by scanBody at each SEARCH: no text of many megabytes is built in the daemon, and a
 * search never reads one whole.
 */
export const BODY_TEXT_BYTES = 1024 * 1024;

/**
 * What BODY looks for a needle in, for a message in memory: each text part decoded and folded as
 * scanBody folds it, the parts joined by a line feed, which folding leaves in no text and no
 * needle, so a match never spans two parts. A NUL (which a Postgres text cannot hold) becomes a
 * line feed too: a needle with a NUL is matched over the bytes, and one without never matched
 * across it. Null when the text parts hold more than BODY_TEXT_BYTES.
 */
export function bodyMatchText(raw: Buffer, index: MimeIndex): string | null {
  const parts = leaves(index.root, 0, []).flatMap((node) => {
    const reader = textReader(raw.subarray(node.h, node.b));
    return reader ? [{ node, reader }] : [];
  });
  if (parts.reduce((n, { node }) => n + node.e - node.b, 0) > BODY_TEXT_BYTES) return null;
  return parts
    .map(({ node, reader }) => fold(reader.text.decode(Buffer.concat([reader.transfer.push(raw.subarray(node.b, node.e)), reader.transfer.end()]))))
    .join('\n')
    .replaceAll('\0', '\n');
}
