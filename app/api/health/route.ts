import { readEnv } from '@/lib/config/env';
import { countLiveDaemons, goneAfterMsOf } from '@/lib/daemons/liveness';
import { db } from '@/lib/dal/db';

// Public (proxy.ts allow-list): answers whether the panel and its database are up and whether
// mail is being served (how many daemons have a fresh heartbeat), for load balancers and
// monitoring. Says nothing else: no host names, no instance ids (the dashboard has those).
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const headers = { 'cache-control': 'no-store' };
  let alive: number;
  try {
    alive = await countLiveDaemons(db(), { goneAfterMs: goneAfterMsOf(readEnv()) });
  } catch {
    return Response.json({ status: 'unavailable' }, { status: 503, headers });
  }
  if (!alive) return Response.json({ status: 'no mail daemon', daemons: 0 }, { status: 503, headers });
  return Response.json({ status: 'ok', daemons: alive }, { headers });
}
