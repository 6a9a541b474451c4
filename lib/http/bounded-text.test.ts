import { describe, expect, it } from 'vitest';
import { readBoundedText } from './bounded-text';

/** A body that arrives in chunks, with no Content-Length (chunked transfer): only reading finds its size. */
function streamed(chunks: string[]): Response {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[sent++]));
      else controller.close();
    },
  });
  return new Response(body);
}

describe('readBoundedText', () => {
  it('reads a body up to the bound, as UTF-8', async () => {
    expect(await readBoundedText(new Response('grüße'), 7)).toBe('grüße');
    expect(await readBoundedText(new Request('http://x.test/', { method: 'POST', body: 'abc' }), 3)).toBe('abc');
    expect(await readBoundedText(new Response(null), 1)).toBe('');
  });

  it('refuses a body whose declared length is over the bound, without reading it', async () => {
    const res = new Response('x'.repeat(10), { headers: { 'content-length': '10' } });
    expect(await readBoundedText(res, 9)).toBeNull();
    expect(res.bodyUsed).toBe(false);
  });

  it('refuses an undeclared body once what arrived passes the bound, and stops reading', async () => {
    const res = streamed(['x'.repeat(8), 'x'.repeat(8), 'x'.repeat(8)]);
    expect(await readBoundedText(res, 10)).toBeNull();
    expect(await readBoundedText(streamed(['x'.repeat(5), 'x'.repeat(5)]), 10)).toBe('x'.repeat(10));
  });
});
