import { db } from '@/lib/dal/db';
import { withAdmin } from '@/lib/dal/route';
import { tlsCsv } from '@/lib/tls-stats/panel';

// GET /api/tls/export?from=&to=&domain=&mailbox=&direction=  →  text/csv of the filtered aggregates.
export const GET = withAdmin(async (req, { admin }) => {
  const p = new URL(req.url).searchParams;
  const csv = await tlsCsv(db(), admin, {
    from: p.get('from'),
    to: p.get('to'),
    domain: p.get('domain'),
    mailbox: p.get('mailbox'),
    direction: p.get('direction'),
  });
  return new Response(csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="postern-tls-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  });
});
