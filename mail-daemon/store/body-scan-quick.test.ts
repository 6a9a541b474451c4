// BODY search's quick look (./body-scan.ts quickPattern): a needle of printable ASCII found in the
// unfolded text is an answer only where the folded text holds it too. Each case is scanned whole
// and in pieces of 1 to 7 bytes, and compared with the folded text of the whole body.
import { describe, expect, it } from 'vitest';
import { indexMessage } from '@/lib/mime';
import { fold, scanBody, type StoredBytes } from './body-scan';

function inPieces(raw: Buffer, size: number): StoredBytes {
  return {
    read: async (start, end) => raw.subarray(start, end),
    async *pieces(start, end) {
      for (let o = start; o < end; o += size) yield raw.subarray(o, Math.min(end, o + size));
    },
  };
}

const BODIES = [
  'Line 1: alpha the quick brown fox.\r\nLine 2: ALPHA\tTHE   Quick brown fox.',
  'Temperature 300 \u212Aelvin, \u0130stanbul, \u0130K and ik',
  'punctuation: a.b*c (d) [e] {f} ^g$ |h| \\i/ +j? -k-',
  'a\u00a0non-breaking space, an\u2003em space, a\r\n folded line',
  'Straße STRASSE \u03a3\u039f\u03a6\u0399\u0391 \u03a3',
];
const NEEDLES = [
  'alpha the quick', 'the quick', 'alpha  the', ' quick', 'quick ', 'kelvin', '300 kelvin', 'istanbul', 'i̇stanbul', 'ik', 'i̇k',
  'a.b*c', '(d) [e]', '{f} ^g$', '|h| \\i/', '+j?', '-k-', 'a.b.c', 'non-breaking space', 'an em', 'a folded line', 'straße', 'strasse', 'σοφια', 'x',
].map(fold);

describe('BODY needles found without folding are in the folded text', () => {
  it.each(BODIES.map((b, i) => [i, b]))('body %i: the same needles found as in its folded text, whole and in pieces', async (_i, body) => {
    const raw = Buffer.from(`Content-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);
    const index = indexMessage(raw);
    const want = new Set(NEEDLES.filter((n) => fold(`${body}\r\n`).includes(n)));
    for (const size of [raw.length, 1, 2, 3, 5, 7]) {
      expect({ size, found: [...(await scanBody(inPieces(raw, size), index, NEEDLES))].sort() }).toEqual({ size, found: [...want].sort() });
    }
  });
});
