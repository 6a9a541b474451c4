/**
 * An HTTP body (a request's, or a fetch response's) as text, read no further than `maxBytes`:
 * null when it is longer (declared or actual), so an oversized body costs at most that much memory.
 */
export async function readBoundedText(message: Pick<Request, 'headers' | 'body'>, maxBytes: number): Promise<string | null> {
  const declared = Number(message.headers.get('content-length') ?? 0);
  if (declared > maxBytes) return null;
  if (!message.body) return '';
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
