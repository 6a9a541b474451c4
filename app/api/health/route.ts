import { healthRoute } from '@/lib/api/routes';
import { readEnv } from '@/lib/config/env';
import { mailHealth } from '@/lib/daemons/health';
import { goneAfterMsOf } from '@/lib/daemons/liveness';
import { db } from '@/lib/dal/db';
import { publicApi } from '@/lib/dal/route';

// Public (proxy.ts allow-list): answers whether the panel and its database are up and whether
// mail is being served, for load balancers and monitoring: 200 while some mail daemon has a
// heartbeat younger than POSTERN_DAEMON_GONE_SECONDS, 503 when none has (or the database is
// away). Lists each daemon's heartbeat age, numbered: no host names, no instance ids (the
// dashboard has those).
export const dynamic = 'force-dynamic';

export const GET = publicApi(healthRoute, async () => {
  const headers = { 'cache-control': 'no-store' };
  try {
    const health = await mailHealth(db(), { goneAfterMs: goneAfterMsOf(readEnv()) });
    return Response.json(health, { status: health.alive ? 200 : 503, headers });
  } catch {
    return Response.json({ status: 'unavailable' }, { status: 503, headers });
  }
});
