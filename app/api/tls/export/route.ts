import { tlsExportRoute } from '@/lib/api/routes';
import { db } from '@/lib/dal/db';
import { withApi } from '@/lib/dal/route';
import { tlsCsv } from '@/lib/tls-stats/panel';

// The filtered TLS aggregates as text/csv, within the caller's domain scope.
export const GET = withApi(tlsExportRoute, async (_req, { admin, query }) => {
  const csv = await tlsCsv(db(), admin, query);
  return new Response(csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="postern-tls-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  });
});
