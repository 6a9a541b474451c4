import { metricsRoute } from '@/lib/api/routes';
import { readEnv } from '@/lib/config/env';
import { goneAfterMsOf } from '@/lib/daemons/liveness';
import { db } from '@/lib/dal/db';
import { withMetricsAccess } from '@/lib/dal/route';
import { clusterMetrics } from '@/lib/metrics/collect';

// Prometheus scrapes the whole cluster here: every figure comes from Postgres, so any panel
// instance answers alike (lib/metrics/collect.ts).
export const dynamic = 'force-dynamic';

export const GET = withMetricsAccess(metricsRoute, async () => {
  const { contentType, body } = await clusterMetrics(db(), { goneAfterMs: goneAfterMsOf(readEnv()) });
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
});
