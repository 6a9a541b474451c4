import { NextResponse } from 'next/server';
import { jsonError, withAdmin } from '@/lib/dal/route';
import { analyzePasted, MAX_ANALYZE_BYTES } from '@/lib/tls-stats/panel';

// POST /api/received/analyze  {"headers": "<the headers or whole message>"}  →  {"hops": [...], "authentication": {...}}
// hops: the JSON of `postern tls analyze` (PublicHop[], lib/received/types.ts); authentication: the
// Authentication-Results fields and ARC sets (AuthenticationAnalysis, lib/auth-results/types.ts). Admin session required.
export const POST = withAdmin(async (req) => {
  if (!(req.headers.get('content-type') ?? '').toLowerCase().includes('application/json')) {
    return jsonError(415, 'invalid', 'send JSON: {"headers": "..."}');
  }
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_ANALYZE_BYTES * 2) return jsonError(413, 'invalid', 'at most 1 MiB of headers', 'headers');
  const text = await req.text();
  if (text.length > MAX_ANALYZE_BYTES * 2) return jsonError(413, 'invalid', 'at most 1 MiB of headers', 'headers');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return jsonError(400, 'invalid', 'body is not JSON');
  }
  const b = body as { headers?: unknown; message?: unknown };
  const headers = typeof b?.headers === 'string' ? b.headers : typeof b?.message === 'string' ? b.message : null;
  if (headers === null) return jsonError(400, 'invalid', 'a string is required', 'headers');
  const { hops, authentication } = analyzePasted(headers);
  return NextResponse.json({ hops, authentication });
});
