import type { Readable } from 'node:stream';

export type DataOutcome =
  | { ok: true; body: Buffer }
  | { ok: false; problem: 'too_big' | 'bare_line_ending' | 'nul' };

/**
 * Reads the dot-unstuffed DATA stream smtp-server gives us. smtp-server ends DATA
 * only at <CRLF>.<CRLF>; we additionally refuse any message containing a bare CR or
 * a bare LF (RFC 5321 §2.3.8), so "\n.\n", "\r.\r", "\r\n.\n" and kin can never
 * smuggle a second message past us or past a server we relay to. A NUL octet is refused
 * too (RFC 5322 §3.5, RFC 2045 §2.7/§2.8: neither 7bit nor 8bit data may hold one; we do
 * not offer BINARYMIME), never stripped: stripping would change what the sender signed.
 * Stops buffering once the size limit is exceeded but keeps draining so the reply can be sent.
 */
export async function readMessage(stream: Readable & { sizeExceeded?: boolean }, maxBytes: number): Promise<DataOutcome> {
  const chunks: Buffer[] = [];
  let size = 0;
  let bare = false;
  let nul = false;
  let prev = 0; // last byte of the previous chunk
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes || stream.sizeExceeded) {
      chunks.length = 0;
      continue;
    }
    if (!bare) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        const before = i === 0 ? prev : chunk[i - 1];
        if (b === 0x0a && before !== 0x0d) bare = true;
        else if (before === 0x0d && b !== 0x0a) bare = true;
        if (bare) break;
      }
      prev = chunk[chunk.length - 1];
    }
    if (!nul && chunk.includes(0)) nul = true;
    chunks.push(chunk);
  }
  if (size > maxBytes || stream.sizeExceeded) return { ok: false, problem: 'too_big' };
  // smtp-server hands us everything up to and including the CRLF before ".": a CR
  // at the very end would be bare (it cannot, but do not trust it).
  if (bare || prev === 0x0d) return { ok: false, problem: 'bare_line_ending' };
  if (nul) return { ok: false, problem: 'nul' };
  return { ok: true, body: Buffer.concat(chunks, size) };
}
