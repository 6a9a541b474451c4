// RFC 3516 BINARY: a part's content-transfer-encoding (RFC 2045 6) undone. The part's encoding is
// read from the stored BODYSTRUCTURE, walked by the same part numbers as BODY[section].
import type { BodyStructure } from '@/mail-daemon/imap/backend';

/** Encodings whose data is served as stored (RFC 2045 6.2: identity). */
const IDENTITY = new Set(['7BIT', '8BIT', 'BINARY']);

/**
 * The encoding of the entity a part path names, as BODYSTRUCTURE reports it; '7BIT' for the
 * whole message and for a multipart (their bodies are never encoded); null when there is no
 * such part. Part n of a message is its nth part, or its body for n = 1 when it is single-part;
 * inside a message/rfc822 part, numbering goes on in the message it holds.
 */
export function partEncoding(root: BodyStructure, path: readonly number[]): string | null {
  let node = root;
  let asMessage = true;
  for (const n of path) {
    const container = !asMessage && node.kind === 'single' && node.body ? node.body : node;
    if (container.kind === 'multipart') {
      const child = container.parts[n - 1];
      if (!child) return null;
      node = child;
    } else if (asMessage || container !== node) {
      if (n !== 1) return null;
      node = container;
    } else return null;
    asMessage = false;
  }
  if (asMessage || node.kind === 'multipart') return '7BIT';
  return node.encoding;
}

/** The decoded bytes, or null when `encoding` is not one RFC 2045 defines (UNKNOWN-CTE). */
export function decodeTransfer(data: Buffer, encoding: string): Buffer | null {
  if (IDENTITY.has(encoding)) return data;
  if (encoding === 'BASE64') return Buffer.from(data.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (encoding === 'QUOTED-PRINTABLE') return decodeQuotedPrintable(data);
  return null;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * RFC 2045 6.7: "=XX" is an octet, "=" at a line's end a soft line break, whitespace at a line's
 * end transport padding. A "=" followed by anything else is kept as it is (rule 6.7's advice
 * for robust decoders).
 */
export function decodeQuotedPrintable(data: Buffer): Buffer {
  // Bare LF line ends come out as CRLF: at most twice the input.
  const out = Buffer.allocUnsafe(data.length * 2);
  let o = 0;
  const text = data.toString('latin1');
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, li) => {
    const line = raw.replace(/[ \t]+$/, '');
    const soft = line.endsWith('=');
    const body = soft ? line.slice(0, -1) : line;
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c === 0x3d && HEX.test(body.slice(i + 1, i + 3))) {
        out[o++] = parseInt(body.slice(i + 1, i + 3), 16);
        i += 2;
      } else out[o++] = c;
    }
    if (!soft && li < lines.length - 1) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    }
  });
  return Buffer.from(out.subarray(0, o));
}
