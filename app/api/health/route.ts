import { db } from '@/lib/dal/db';

// Public (proxy.ts allow-list): answers whether the panel and its database are up,
// for load balancers and `docker compose` health checks. Says nothing else.
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  try {
    await db().$queryRaw`SELECT 1`;
    return Response.json({ status: 'ok' });
  } catch {
    return Response.json({ status: 'unavailable' }, { status: 503 });
  }
}
