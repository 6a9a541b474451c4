import { NextResponse } from 'next/server';
import { analyzeReceivedRoute } from '@/lib/api/routes';
import { withApi } from '@/lib/dal/route';
import { analyzePasted } from '@/lib/tls-stats/panel';

// POST /api/received/analyze  {"headers": "<the headers or whole message>"}  →  {"hops": [...], "authentication": {...}}
// hops: the JSON of `postern tls analyze` (PublicHop[], lib/received/types.ts); authentication: the
// Authentication-Results fields and ARC sets (AuthenticationAnalysis, lib/auth-results/types.ts).
export const POST = withApi(analyzeReceivedRoute, async (_req, { body }) => {
  const { hops, authentication } = analyzePasted(body.headers ?? body.message ?? '');
  return NextResponse.json({ hops, authentication });
});
